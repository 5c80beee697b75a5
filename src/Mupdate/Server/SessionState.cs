namespace Mupdate.Server;

/// <summary>The states of an MUPDATE session (RFC 3656 section 4).</summary>
public enum SessionState
{
    /// <summary>Connected, before a successful AUTHENTICATE.</summary>
    NotAuthenticated,

    /// <summary>Logged in; every command may run.</summary>
    Authenticated,

    /// <summary>After UPDATE: only NOOP and LOGOUT are legal (RFC 3656 section 4.11).</summary>
    Streaming,
}
