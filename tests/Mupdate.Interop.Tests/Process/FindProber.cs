using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// A name the prober looks up, with the two states it may be in: before and after the one write the
/// test makes to it (equal for a name the test never writes). Null is an absent name.
/// </summary>
public sealed record ProbeTarget(string Name, MailboxEntry? Before, MailboxEntry? After)
{
    public bool Allows(MailboxEntry? found) => found == Before || found == After;
}

/// <summary>
/// Sends FIND for random targets to one server, one command after the other over one logged-in
/// connection, until stopped. Every reply that is not OK with an allowed state counts as a failure:
/// NO, BAD, BYE, a timeout, a lost connection or an entry in neither state. After a lost connection
/// it logs in again, so that it keeps probing.
/// </summary>
public sealed class FindProber : IAsyncDisposable, IDiagnosticsSource
{
    private const int FailuresKept = 50;

    /// <summary>The longest a FIND may take. A FIND reads one row, so seconds mean the server stalled.</summary>
    private static readonly TimeSpan s_responseTimeout = TimeSpan.FromSeconds(5);

    private readonly MupdateServerProcess _server;
    private readonly IReadOnlyList<ProbeTarget> _targets;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<string, long> _repliesByPhase = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationToken _cancellationToken;
    private Task? _loop;
    private int _disposed;
    private volatile string _phase = "start";
    private long _replies;
    private int _failureCount;
    private int _logins;
    private long _maxLatencyTicks;

    private FindProber(
        MupdateServerProcess server, IReadOnlyList<ProbeTarget> targets, int seed, CancellationToken cancellationToken)
    {
        _server = server;
        _targets = targets;
        _random = new Random(seed);
        _cancellationToken = cancellationToken;
    }

    /// <summary>The label under which the following replies are counted, set by the test as it moves on.</summary>
    public string Phase
    {
        get => _phase;
        set => _phase = value;
    }

    /// <summary>FIND commands that got OK with an allowed state.</summary>
    public long Replies => Interlocked.Read(ref _replies);

    public int FailureCount => Volatile.Read(ref _failureCount);

    /// <summary>The first failures, each with the time since the start, the name and what happened.</summary>
    public IReadOnlyList<string> Failures => [.. _failures];

    /// <summary>Logins to the server: 1 unless the server dropped a connection.</summary>
    public int Logins => Volatile.Read(ref _logins);

    public TimeSpan MaxLatency => TimeSpan.FromTicks(Interlocked.Read(ref _maxLatencyTicks));

    /// <summary>Returns the replies counted under <paramref name="phase"/>, zero for a phase that got none.</summary>
    public long RepliesIn(string phase) => _repliesByPhase.GetValueOrDefault(phase);

    /// <summary>
    /// Logs in to <paramref name="server"/> as its admin and starts probing in the background. It throws
    /// when the first login fails, because then there is nothing to probe.
    /// </summary>
    public static async Task<FindProber> StartAsync(
        MupdateServerProcess server, IReadOnlyList<ProbeTarget> targets, int seed, CancellationToken cancellationToken)
    {
        var prober = new FindProber(server, targets, seed, cancellationToken);
        var client = await prober.LoginAsync().ConfigureAwait(false);
        prober._loop = Task.Run(() => prober.RunAsync(client), cancellationToken);
        return prober;
    }

    /// <summary>Stops after the FIND in progress and logs out.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    public string CollectDiagnostics()
    {
        var phases = string.Join(", ", _repliesByPhase.Select(pair => $"{pair.Key}: {pair.Value}"));
        return $"{Replies} good replies ({phases}), {FailureCount} failures, {Logins} logins, "
            + $"longest FIND {MaxLatency.TotalMilliseconds:F0} ms\n" + string.Join('\n', Failures);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task<MupdateClient> LoginAsync()
    {
        var options = new MupdateClientOptions { ResponseTimeout = s_responseTimeout };
        var client = await MupdateLogin.ConnectAsync(
            _server.Host, _server.Port, _server.AdminUser, _server.AdminPassword, _cancellationToken, options)
            .ConfigureAwait(false);
        Interlocked.Increment(ref _logins);
        return client;
    }

    private async Task RunAsync(MupdateClient first)
    {
        MupdateClient? client = first;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                client ??= await TryLoginAgainAsync().ConfigureAwait(false);
                if (client is null)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!await ProbeAsync(client, _targets[_random.Next(_targets.Count)]).ConfigureAwait(false))
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                    client = null;
                }
            }

            if (client is not null)
            {
                await LogoutAsync(client).ConfigureAwait(false);
            }
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends one FIND and checks the reply. Returns false when the connection is lost.</summary>
    private async Task<bool> ProbeAsync(MupdateClient client, ProbeTarget target)
    {
        var started = Stopwatch.GetTimestamp();
        MailboxEntry? found;
        try
        {
            var record = await client.FindAsync(target.Name, _cancellationToken).ConfigureAwait(false);
            found = record is null ? null : MailboxEntry.FromRecord(record);
        }
        catch (MupdateCommandException ex)
        {
            Fail(target, $"{ex.Status} \"{ex.Text}\"");
            return ex.Status != "BYE";
        }
        catch (Exception ex)
            when (ex is IOException or SocketException or MupdateProtocolException or ObjectDisposedException)
        {
            Fail(target, $"connection lost: {ex.GetType().Name}: {ex.Message}");
            return false;
        }

        RecordLatency(Stopwatch.GetElapsedTime(started));
        if (!target.Allows(found))
        {
            Fail(target, $"found {Describe(found)}, expected {Describe(target.Before)} or {Describe(target.After)}");
            return true;
        }

        Interlocked.Increment(ref _replies);
        _repliesByPhase.AddOrUpdate(_phase, 1, (_, count) => count + 1);
        return true;
    }

    private async Task LogoutAsync(MupdateClient client)
    {
        try
        {
            await client.LogoutAsync(_cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or MupdateProtocolException)
        {
            Fail(null, $"LOGOUT failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<MupdateClient?> TryLoginAgainAsync()
    {
        try
        {
            return await LoginAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or MupdateProtocolException
            or MupdateCommandException or MupdateAuthenticationException)
        {
            Fail(null, $"login failed: {ex.GetType().Name}: {ex.Message}");
            return null;
        }
    }

    private void Fail(ProbeTarget? target, string problem)
    {
        var count = Interlocked.Increment(ref _failureCount);
        if (count <= FailuresKept)
        {
            var name = target is null ? "" : $"FIND {target.Name}: ";
            _failures.Enqueue($"[{_clock.Elapsed.TotalSeconds,7:F3}] ({_phase}) {name}{problem}");
        }
    }

    private void RecordLatency(TimeSpan latency)
    {
        var ticks = latency.Ticks;
        var max = Interlocked.Read(ref _maxLatencyTicks);
        while (ticks > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxLatencyTicks, ticks, max);
            if (seen == max)
            {
                return;
            }

            max = seen;
        }
    }

    private static string Describe(MailboxEntry? entry) => entry?.ToString() ?? "(absent)";
}
