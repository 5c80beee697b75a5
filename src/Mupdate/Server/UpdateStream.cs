using System.IO.Pipelines;
using System.Threading.Channels;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Server;

/// <summary>
/// One UPDATE subscriber: the queue of committed changes and session responses for one streaming
/// client, and the pump that writes them in order. After UPDATE's OK the pump is the only writer of
/// the connection, so a NOOP's OK queued behind the changes before it goes out after them
/// (RFC 3656 section 4.8). The queue is bounded: a client that stops reading overflows it and is
/// disconnected, and the store's writer never waits for it.
/// </summary>
internal sealed class UpdateStream : IChangeSubscriber
{
    // Flush at least this often while draining a burst, so one client's output never holds more
    // than this much unsent data in the pipe.
    private const int FlushThreshold = 64 * 1024;

    private readonly string _tag;
    private readonly HashSet<string>? _hosts;
    private readonly Channel<StreamItem> _queue;
    private PipeWriter? _output;
    private readonly long _bufferMax;
    private long _queuedBytes;
    private int _completed;
    private int _overflowed;

    /// <param name="capacity">The most items that may wait in the queue.</param>
    /// <param name="bufferMax">The most bytes of names, locations and ACLs that may wait in the queue.</param>
    public UpdateStream(string tag, IReadOnlyCollection<string> hosts, int capacity, long bufferMax)
    {
        _tag = tag;
        _bufferMax = bufferMax;
        _hosts = hosts.Count == 0 ? null : new HashSet<string>(hosts, StringComparer.Ordinal);
        _queue = Channel.CreateBounded<StreamItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Changes at or below this revision are already in the dump and are skipped.</summary>
    public long SnapshotRevision { get; set; }

    public bool Overflowed => Volatile.Read(ref _overflowed) != 0;

    public long ChangesSent { get; private set; }

    /// <summary>Whether the dump includes <paramref name="record"/> (PARTIAL-UPDATE matches the server part exactly).</summary>
    public bool Matches(MailboxRecord record) => _hosts is null || _hosts.Contains(record.Server);

    public bool TryDeliver(MailboxChange change)
    {
        // A partial stream gets a change when the old or the new server is one of its hosts, so a
        // mailbox that moves away arrives as MAILBOX at its new location, and a DELETE only for a
        // name the client was sent.
        var relevant = _hosts is null
            || (change.Previous is { } previous && _hosts.Contains(previous.Server))
            || (change.Current is { } current && _hosts.Contains(current.Server));
        return !relevant || Enqueue(StreamItem.ForChange(change));
    }

    public bool Enqueue(StreamItem item)
    {
        // Counting items alone would let a few huge ACLs take gigabytes, so bytes are bounded too.
        if (Interlocked.Add(ref _queuedBytes, item.Size) <= _bufferMax && _queue.Writer.TryWrite(item))
        {
            return true;
        }

        // A completed queue rejects items too, but only a full one means the client fell behind.
        if (Volatile.Read(ref _completed) == 0 && Interlocked.Exchange(ref _overflowed, 1) == 0)
        {
            _queue.Writer.TryComplete();
            AbandonPendingFlush();
        }

        return false;
    }

    /// <summary>
    /// Cancels the pump's flush, which may wait for a client that stopped reading. That client has
    /// to resynchronize anyway, so its unsent changes are dropped at once instead of after the write
    /// timeout. The cancel runs on a pool thread, because the caller may be the store's writer
    /// thread, which must neither wait nor run the pump's continuation.
    /// </summary>
    private void AbandonPendingFlush()
    {
        if (Volatile.Read(ref _output) is { } output)
        {
            ThreadPool.UnsafeQueueUserWorkItem(CancelFlush, output, preferLocal: false);
        }
    }

    private static void CancelFlush(PipeWriter output)
    {
        try
        {
            output.CancelPendingFlush();
        }
        catch (ObjectDisposedException)
        {
            // The session closed meanwhile and completed the writer, so no flush is pending.
        }
    }

    /// <summary>Ends the stream after what is queued; used when the session closes.</summary>
    public void Complete()
    {
        Volatile.Write(ref _completed, 1);
        _queue.Writer.TryComplete();
    }

    /// <summary>
    /// Writes queued items until LOGOUT, overflow (which drops what is still queued) or
    /// <see cref="Complete"/>. <paramref name="flush"/> applies the session's write timeout.
    /// </summary>
    public async Task<StreamEnd> PumpAsync(PipeWriter output, Func<ValueTask> flush)
    {
        // Set before the first check of Overflowed: an overflow after this cancels the flush, and
        // one before it is seen by the checks below.
        Interlocked.Exchange(ref _output, output);
        var reader = _queue.Reader;
        while (!Overflowed && await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (!Overflowed && reader.TryRead(out var item))
            {
                Interlocked.Add(ref _queuedBytes, -item.Size);
                if (Write(output, item) is { } end)
                {
                    await flush().ConfigureAwait(false);
                    return end;
                }

                if (output.UnflushedBytes >= FlushThreshold)
                {
                    await flush().ConfigureAwait(false);
                }
            }

            await flush().ConfigureAwait(false);
        }

        return Overflowed ? StreamEnd.Overflow : StreamEnd.Closed;
    }

    private StreamEnd? Write(PipeWriter output, StreamItem item)
    {
        switch (item.Kind)
        {
            case StreamItemKind.Change:
                WriteChange(output, item.Change!);
                return null;
            case StreamItemKind.Status:
                ResponseWriter.WriteStatus(output, item.Tag, item.Status, item.Text!);
                return null;
            case StreamItemKind.Bye:
                ResponseWriter.WriteStatus(output, item.Tag, ResponseStatus.Bye, item.Text!);
                return StreamEnd.Logout;
            default:
                throw new InvalidOperationException($"unknown stream item {item.Kind}");
        }
    }

    private void WriteChange(PipeWriter output, MailboxChange change)
    {
        if (change.Revision <= SnapshotRevision)
        {
            return;
        }

        ChangesSent++;
        switch (change.Current)
        {
            case null:
                ResponseWriter.WriteDelete(output, _tag, change.Name);
                break;
            case { Kind: MailboxKind.Active } record:
                ResponseWriter.WriteMailbox(output, _tag, record.Name, record.Location, record.Acl);
                break;
            case var record:
                ResponseWriter.WriteReserve(output, _tag, record.Name, record.Location);
                break;
        }
    }
}

internal enum StreamEnd
{
    /// <summary>LOGOUT or shutdown: a BYE was written.</summary>
    Logout,

    /// <summary>The queue overflowed because the client did not read fast enough.</summary>
    Overflow,

    /// <summary>The session closed the stream.</summary>
    Closed,
}

internal enum StreamItemKind
{
    Change,
    Status,
    Bye,
}

/// <summary>An entry of a stream's queue: a change to send, or a response of the session.</summary>
internal readonly record struct StreamItem(StreamItemKind Kind, MailboxChange? Change, string? Tag, ResponseStatus Status, string? Text)
{
    public static StreamItem ForChange(MailboxChange change) => new(StreamItemKind.Change, change, null, default, null);

    public static StreamItem ForStatus(string? tag, ResponseStatus status, string text) =>
        new(StreamItemKind.Status, null, tag, status, text);

    public static StreamItem ForBye(string? tag, string text) => new(StreamItemKind.Bye, null, tag, ResponseStatus.Bye, text);

    /// <summary>An estimate of the memory the item keeps while queued, in bytes (UTF-16 text plus object overhead).</summary>
    public long Size => Change is { } change
        ? 128 + (2L * (change.Name.Length + TextLength(change.Previous) + TextLength(change.Current)))
        : 64 + (2L * (Text?.Length ?? 0));

    private static int TextLength(MailboxRecord? record) =>
        record is null ? 0 : record.Name.Length + record.Location.Length + record.Acl.Length;
}
