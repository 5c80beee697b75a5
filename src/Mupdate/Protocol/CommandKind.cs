namespace Mupdate.Protocol;

/// <summary>The commands of RFC 3656 section 4 that this server knows.</summary>
public enum CommandKind
{
    Activate,
    Authenticate,
    Deactivate,
    Delete,
    Find,
    List,
    Logout,
    Noop,
    Reserve,
    Update,
}
