namespace Mupdate.Store;

/// <summary>The write operations of the mailbox list.</summary>
public enum WriteKind
{
    /// <summary>Creates or replaces an active mailbox (RFC 3656 section 4.1).</summary>
    Activate,

    /// <summary>
    /// Reserves a free name (section 4.9). A reservation already held at exactly this location is
    /// accepted again without a change; an active mailbox is never demoted by RESERVE.
    /// </summary>
    Reserve,

    /// <summary>Turns an active mailbox into a reservation at the given location (section 4.3).</summary>
    Deactivate,

    /// <summary>Removes an existing name (section 4.4).</summary>
    Delete,

    /// <summary>Stores the record as given, whatever was there: the replica side of a stream.</summary>
    Put,

    /// <summary>Removes the name if present: the replica side of a streamed DELETE.</summary>
    Remove,
}

/// <summary>
/// One write. <see cref="PutKind"/> is used only by <see cref="WriteKind.Put"/>, which stores a
/// complete record as a master sent it.
/// </summary>
public sealed record WriteRequest(WriteKind Kind, string Name, string Location = "", string Acl = "")
{
    public MailboxKind PutKind { get; init; }

    public static WriteRequest Put(MailboxRecord record) =>
        new(WriteKind.Put, record.Name, record.Location, record.Acl) { PutKind = record.Kind };

    public static WriteRequest Remove(string name) => new(WriteKind.Remove, name);

    public static WriteRequest Activate(string name, string location, string acl) => new(WriteKind.Activate, name, location, acl);

    public static WriteRequest Reserve(string name, string location) => new(WriteKind.Reserve, name, location);

    public static WriteRequest Deactivate(string name, string location) => new(WriteKind.Deactivate, name, location);

    public static WriteRequest Delete(string name) => new(WriteKind.Delete, name);
}

public enum WriteStatus
{
    /// <summary>The change is durable; <see cref="WriteResult.Revision"/> is its revision.</summary>
    Applied,

    /// <summary>The request was valid but the list already had that state; nothing was written.</summary>
    Unchanged,

    /// <summary>A precondition failed (the name exists, is missing, is not active).</summary>
    Rejected,

    /// <summary>The database failed; nothing of the request was written.</summary>
    Failed,
}

public readonly record struct WriteResult(WriteStatus Status, string? Reason, long Revision)
{
    public bool Succeeded => Status is WriteStatus.Applied or WriteStatus.Unchanged;

    public static WriteResult Applied(long revision) => new(WriteStatus.Applied, null, revision);

    public static WriteResult Unchanged { get; } = new(WriteStatus.Unchanged, null, 0);

    public static WriteResult Rejected(string reason) => new(WriteStatus.Rejected, reason, 0);

    public static WriteResult Failed(string reason) => new(WriteStatus.Failed, reason, 0);
}
