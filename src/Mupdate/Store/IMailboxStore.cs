namespace Mupdate.Store;

/// <summary>
/// The mailbox list: one writer that commits in batches, readers on snapshots, and a feed of every
/// committed change in revision order. Knows nothing of sockets or the wire protocol.
/// </summary>
public interface IMailboxStore : IAsyncDisposable
{
    /// <summary>The revision of the last change that is durable and has reached every subscriber.</summary>
    long Revision { get; }

    /// <summary>
    /// Queues a write and completes once it is durable (or was rejected, or failed). Writes complete
    /// in the order they were queued.
    /// </summary>
    Task<WriteResult> WriteAsync(WriteRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="requests"/> (Put and Remove only) and stores the <paramref name="state"/>
    /// values in one transaction: readers see all of it at once or none of it. Used by a slave to
    /// switch to a new copy of the master's list. The result is Applied with the last change's
    /// revision, or Unchanged when no record changed.
    /// </summary>
    Task<WriteResult> WriteAllAsync(
        IReadOnlyList<WriteRequest> requests,
        IReadOnlyDictionary<string, long>? state = null,
        CancellationToken cancellationToken = default);

    /// <summary>A value stored with <see cref="WriteAllAsync"/>, or null when it was never stored.</summary>
    long? ReadState(string key);

    MailboxRecord? Find(string name);

    /// <summary>Opens a read-only view of the list at one revision; writers are not blocked by it.</summary>
    IMailboxSnapshot OpenSnapshot();

    /// <summary>
    /// Registers <paramref name="subscriber"/> for every change published from now on, then opens a
    /// snapshot. Every change with a revision above the snapshot's reaches the subscriber, so the
    /// snapshot followed by those changes loses nothing. Changes at or below the snapshot's revision
    /// may arrive too, and the subscriber skips them. Dispose the returned subscription to stop delivery.
    /// </summary>
    IDisposable Subscribe(IChangeSubscriber subscriber, out IMailboxSnapshot snapshot);
}

/// <summary>A consistent, read-only view of the mailbox list at <see cref="Revision"/>.</summary>
public interface IMailboxSnapshot : IDisposable
{
    long Revision { get; }

    MailboxRecord? Find(string name);

    /// <summary>
    /// Enumerates the records in Cyrus mailboxes.db order, all of them or those whose location
    /// starts with <paramref name="locationPrefix"/> (a plain string prefix, as in Cyrus).
    /// </summary>
    IEnumerable<MailboxRecord> List(string? locationPrefix = null);
}

/// <summary>
/// A receiver of committed changes. <see cref="TryDeliver"/> runs on the store's writer thread, so it
/// must not block: it queues the change and returns false when its queue is full, which ends the
/// subscription.
/// </summary>
public interface IChangeSubscriber
{
    bool TryDeliver(MailboxChange change);
}
