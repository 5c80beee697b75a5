using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Client;

public sealed partial class MupdateClient
{
    /// <summary>
    /// Sends UPDATE (optionally with PARTIAL-UPDATE host names), reads the dump up to the OK and
    /// returns the stream of changes that follows. After this only NOOP and LOGOUT may be sent.
    /// </summary>
    /// <param name="hosts">PARTIAL-UPDATE host names; null or empty for the whole list.</param>
    /// <param name="maxEntries">Most dump entries to hold; a longer dump throws <see cref="MupdateProtocolException"/>.</param>
    /// <param name="cancellationToken">Cancels the dump.</param>
    public async Task<UpdateSubscription> UpdateAsync(
        IReadOnlyList<string>? hosts = null,
        int maxEntries = int.MaxValue,
        CancellationToken cancellationToken = default)
    {
        var tag = await SendAsync("UPDATE", hosts ?? [], cancellationToken).ConfigureAwait(false);
        var snapshot = new List<MailboxRecord>();
        await ReadUntilDoneAsync(tag, r =>
        {
            if (ToRecord(r) is { } record)
            {
                if (snapshot.Count >= maxEntries)
                {
                    throw new MupdateDumpTooLargeException(maxEntries);
                }

                snapshot.Add(record);
            }
        }, cancellationToken).ConfigureAwait(false);
        return new UpdateSubscription(this, tag, snapshot);
    }

    internal Task<string> SendNoopAsync(CancellationToken cancellationToken) => SendAsync("NOOP", [], cancellationToken);
}

/// <summary>The changes a server streams after UPDATE, read one at a time.</summary>
public sealed class UpdateSubscription
{
    private readonly MupdateClient _client;

    internal UpdateSubscription(MupdateClient client, string tag, IReadOnlyList<MailboxRecord> snapshot)
    {
        _client = client;
        Tag = tag;
        Snapshot = snapshot;
    }

    public string Tag { get; }

    /// <summary>The dump sent before the OK of UPDATE, in the server's order.</summary>
    public IReadOnlyList<MailboxRecord> Snapshot { get; }

    /// <summary>Sends NOOP and returns its tag; its OK arrives through <see cref="ReadAsync"/>.</summary>
    public Task<string> SendNoopAsync(CancellationToken cancellationToken = default) => _client.SendNoopAsync(cancellationToken);

    /// <summary>
    /// Reads the next event, waiting at most <paramref name="timeout"/> (which throws
    /// <see cref="MupdateTimeoutException"/>); null when the server closed the connection.
    /// </summary>
    public async Task<UpdateEvent?> ReadAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var response = await _client.TryReadResponseAsync(cancellationToken, timeout ?? Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            if (response is null)
            {
                return null;
            }

            if (response.Tag == Tag && MupdateClient.ToRecord(response) is { } record)
            {
                return new UpdateEvent(UpdateEventKind.Changed, record.Name, record, null, response);
            }

            if (response.Tag == Tag && response is { Word: "DELETE", Arguments.Count: 1 })
            {
                return new UpdateEvent(UpdateEventKind.Deleted, response.Arguments[0], null, null, response);
            }

            if (response.Word == "BYE")
            {
                return new UpdateEvent(UpdateEventKind.Bye, "", null, response.Tag, response);
            }

            if (response.IsStatus)
            {
                return new UpdateEvent(UpdateEventKind.Status, "", null, response.Tag, response);
            }

            throw new MupdateProtocolException($"unexpected response on an UPDATE stream: {response}");
        }
    }
}

public enum UpdateEventKind
{
    /// <summary>A MAILBOX or RESERVE: <see cref="UpdateEvent.Record"/> is the new state.</summary>
    Changed,

    /// <summary>A DELETE of <see cref="UpdateEvent.Name"/>.</summary>
    Deleted,

    /// <summary>A tagged status, such as the OK of a NOOP.</summary>
    Status,

    /// <summary>The server ends the session.</summary>
    Bye,
}

public sealed record UpdateEvent(UpdateEventKind Kind, string Name, MailboxRecord? Record, string? Tag, ServerResponse Response);
