using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Interop.Tests.Harness;

public enum MailboxEntryKind
{
    /// <summary>An active mailbox (MAILBOX in responses, ACTIVATE to create).</summary>
    Active,

    /// <summary>A reserved name (RESERVE in requests and responses), which has no ACL.</summary>
    Reserved,
}

/// <summary>
/// One mailbox-list entry: the name, the location <c>server!partition</c>, the ACL in the Cyrus
/// wire form <c>id\trights\t</c> repeated (empty for a reservation) and the kind.
/// </summary>
public sealed record MailboxEntry(string Name, string Location, string Acl, MailboxEntryKind Kind)
{
    public static MailboxEntry Active(string name, string location, string acl) =>
        new(name, location, acl, MailboxEntryKind.Active);

    public static MailboxEntry Reserved(string name, string location) =>
        new(name, location, "", MailboxEntryKind.Reserved);

    /// <summary>Converts a MAILBOX or RESERVE data response and throws on anything else.</summary>
    public static MailboxEntry FromResponse(ServerResponse response) => response switch
    {
        { Word: "MAILBOX", Arguments: [var name, var location, var acl] } => Active(name, location, acl),
        { Word: "RESERVE", Arguments: [var name, var location] } => Reserved(name, location),
        _ => throw new InvalidDataException($"not a MAILBOX or RESERVE response: {response}"),
    };

    /// <summary>Converts a record that the product's <c>MupdateClient</c> returned.</summary>
    public static MailboxEntry FromRecord(MailboxRecord record) => record.Kind switch
    {
        MailboxKind.Active => Active(record.Name, record.Location, record.Acl),
        _ => Reserved(record.Name, record.Location),
    };

    /// <summary>The ACL as id-to-rights pairs, in wire order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AclPairs => MupdateAcl.Parse(Acl);

    public override string ToString() =>
        $"{Kind} {Name} {Location} [{string.Join(", ", AclPairs.Select(pair => pair.Key + "=" + pair.Value))}]";
}
