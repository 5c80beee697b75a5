using System.Collections.Concurrent;
using System.Net.Sockets;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

public enum WriteOutcome
{
    /// <summary>The connection was lost before the write was sent, so the server never saw it.</summary>
    NotSent,

    /// <summary>The write was sent but its reply never came, so the server may or may not have applied it.</summary>
    InFlight,

    /// <summary>The server replied OK.</summary>
    Acknowledged,

    /// <summary>The server replied NO or BAD, so nothing was written.</summary>
    Rejected,
}

/// <summary>
/// A batch of writes with distinct names sent on <see cref="MupdateSeeder.Connections"/> admin
/// connections (write i on connection i mod that) while the test kills the server. Each
/// connection stops at its first lost connection, and the batch keeps the outcome of every write.
/// </summary>
public sealed class InterruptedBatch
{
    private readonly IReadOnlyList<MailboxWrite> _writes;
    private readonly WriteOutcome[] _outcomes;
    private readonly ConcurrentQueue<string> _rejections = new();
    private readonly TaskCompletionSource _enoughAcknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _acknowledgedSignal;
    private int _acknowledged;

    private InterruptedBatch(IReadOnlyList<MailboxWrite> writes, int acknowledgedSignal)
    {
        _writes = writes;
        _outcomes = new WriteOutcome[writes.Count];
        _acknowledgedSignal = acknowledgedSignal;
    }

    /// <summary>Completes once <c>acknowledgedSignal</c> writes got OK, or when the batch ends with fewer.</summary>
    public Task EnoughAcknowledged => _enoughAcknowledged.Task;

    /// <summary>Completes when every connection finished its writes or lost its connection.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public int Acknowledged => Volatile.Read(ref _acknowledged);

    public int InFlight => _outcomes.Count(outcome => outcome == WriteOutcome.InFlight);

    public int NotSent => _outcomes.Count(outcome => outcome == WriteOutcome.NotSent);

    /// <summary>The writes the server replied NO or BAD to, each with the reply.</summary>
    public IReadOnlyList<string> Rejections => [.. _rejections];

    /// <summary>
    /// Logs in every connection, then starts writing in the background. <see cref="EnoughAcknowledged"/>
    /// completes after <paramref name="acknowledgedSignal"/> OKs, which is when the test should kill the server.
    /// </summary>
    public static async Task<InterruptedBatch> StartAsync(
        MupdateServerProcess server,
        IReadOnlyList<MailboxWrite> writes,
        int acknowledgedSignal,
        CancellationToken cancellationToken)
    {
        var batch = new InterruptedBatch(writes, acknowledgedSignal);
        var connections = Math.Min(MupdateSeeder.Connections, writes.Count);
        var clients = new List<MupdateClient>();
        try
        {
            for (var i = 0; i < connections; i++)
            {
                clients.Add(await MupdateLogin.ConnectAsync(
                    server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken));
            }
        }
        catch
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            throw;
        }

        var workers = clients.Select((client, worker) => Task.Run(
            () => batch.RunWorkerAsync(client, worker, connections, cancellationToken), cancellationToken));
        batch.Completion = Task.WhenAll(workers.ToList())
            .ContinueWith(_ => batch._enoughAcknowledged.TrySetResult(), TaskScheduler.Default);
        return batch;
    }

    public WriteOutcome Outcome(int index) => _outcomes[index];

    /// <summary>
    /// Returns the states that write <paramref name="index"/> may have left on the server, starting from
    /// <paramref name="before"/>: the new state after OK, the old one when it was never sent or was
    /// rejected, and either one when its reply was lost.
    /// </summary>
    public IReadOnlyList<MailboxEntry?> PossibleStates(int index, MailboxEntry? before) => _outcomes[index] switch
    {
        WriteOutcome.Acknowledged => [_writes[index].Apply(before)],
        WriteOutcome.NotSent or WriteOutcome.Rejected => [before],
        _ => [before, _writes[index].Apply(before)],
    };

    private async Task RunWorkerAsync(MupdateClient client, int worker, int connections, CancellationToken cancellationToken)
    {
        await using (client)
        {
            for (var i = worker; i < _writes.Count; i += connections)
            {
                _outcomes[i] = WriteOutcome.InFlight;
                try
                {
                    await _writes[i].SendAsync(client, cancellationToken);
                }
                catch (MupdateCommandException ex) when (ex.Status != "BYE")
                {
                    _rejections.Enqueue($"{_writes[i]} => {ex.Status} \"{ex.Text}\"");
                    _outcomes[i] = WriteOutcome.Rejected;
                    continue;
                }
                catch (Exception ex) when (ex is IOException or SocketException or MupdateProtocolException
                    or MupdateCommandException or ObjectDisposedException)
                {
                    // The server is gone: this write's reply is lost, and the later ones stay unsent.
                    return;
                }

                _outcomes[i] = WriteOutcome.Acknowledged;
                if (Interlocked.Increment(ref _acknowledged) >= _acknowledgedSignal)
                {
                    _enoughAcknowledged.TrySetResult();
                }
            }
        }
    }
}
