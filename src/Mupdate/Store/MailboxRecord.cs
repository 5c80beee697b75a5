namespace Mupdate.Store;

/// <summary>The two states a name can have in the mailbox list (RFC 3656 section 3.5 and 3.6).</summary>
public enum MailboxKind
{
    /// <summary>An active mailbox, sent as a MAILBOX response.</summary>
    Active,

    /// <summary>A reservation, sent as a RESERVE response; it has no ACL.</summary>
    Reserved,
}

/// <summary>
/// One entry of the mailbox list. <see cref="Location"/> is Cyrus's <c>server!partition</c> and
/// <see cref="Acl"/> the ACL string exactly as the backend sent it (Cyrus's own tab-separated
/// <c>id\trights\t</c> pairs); the store keeps both byte for byte.
/// </summary>
public sealed record MailboxRecord(string Name, MailboxKind Kind, string Location, string Acl)
{
    public static MailboxRecord Active(string name, string location, string acl) =>
        new(name, MailboxKind.Active, location, acl);

    public static MailboxRecord Reserved(string name, string location) =>
        new(name, MailboxKind.Reserved, location, "");

    /// <summary>The server part of the location: the text before the first '!', or all of it.</summary>
    public string Server => ServerOf(Location);

    public static string ServerOf(string location)
    {
        var bang = location.IndexOf('!', StringComparison.Ordinal);
        return bang < 0 ? location : location[..bang];
    }
}

/// <summary>
/// One committed change. <see cref="Current"/> is null for a deletion and <see cref="Previous"/>
/// is null for a new name; <see cref="Revision"/> increases by one with every change.
/// </summary>
public sealed record MailboxChange(long Revision, string Name, MailboxRecord? Previous, MailboxRecord? Current);
