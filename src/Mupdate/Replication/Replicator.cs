using System.Globalization;
using Microsoft.Extensions.Logging;
using Mupdate.Client;
using Mupdate.Store;

namespace Mupdate.Replication;

/// <summary>
/// A slave's link to its master: connects, logs in, sends UPDATE, turns the dump into one atomic
/// resync of the local store, then applies every streamed change in order. Keeps the link alive
/// with NOOPs, completes kicks with NOOP round trips, and reconnects after any failure. The store
/// keeps serving the last complete replica the whole time.
/// </summary>
public sealed partial class Replicator : IReplicaStatus, IKickTarget, IAsyncDisposable
{
    /// <summary>The store_state key of the time (Unix milliseconds) of the last committed resync.</summary>
    public const string SyncedStateKey = "replica_synced_ms";

    // Streamed changes that arrive together are committed together, up to this many per commit.
    private const int StreamBatchMax = 1024;

    // Invalid entries named in the log per link to the master; later ones are only counted.
    private const int SkipsNamedPerLink = 100;

    private readonly ReplicaOptions _options;
    private readonly IMailboxStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly KickQueue _kicks;
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private LinkPhase _phase;
    private int _skippedOnLink;
    private long _resyncs;

    public Replicator(ReplicaOptions options, IMailboxStore store, ILogger logger, TimeProvider? timeProvider = null)
    {
        _options = options;
        _store = store;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _kicks = new KickQueue(options.KickWaitersMax);
        if (store.ReadState(SyncedStateKey) is not null)
        {
            _firstSync.TrySetResult();
        }
    }

    public bool IsSynchronized => _firstSync.Task.IsCompleted;

    /// <summary>A task that completes when the store first contains a complete replica, at once if an earlier run left one.</summary>
    public Task FirstSync => _firstSync.Task;

    /// <summary>Resyncs committed by this process.</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    /// <summary>True while the slave is streaming from its master.</summary>
    public bool IsLinked => _kicks.IsOpen;

    public string MasterName =>
        (_options.Host.Contains(':', StringComparison.Ordinal) ? "[" + _options.Host + "]" : _options.Host)
        + ":" + _options.Port.ToString(CultureInfo.InvariantCulture);

    public void Start() => _loop ??= Task.Run(RunAsync);

    public Task<bool> KickAsync(CancellationToken cancellationToken) => _kicks.KickAsync(cancellationToken);

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var refusals = 0;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await RunLinkAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (MupdateAuthenticationException exception)
            {
                // Logged as an error, because retrying cannot help until someone changes a password or an admins list.
                LogLoginFailed(_logger, MasterName, exception.Message);
            }
            catch (ResyncRefusedException)
            {
                // Logged where it was decided. Each retry fetches the whole dump again, so the
                // retries slow down while the master's list stays the same.
                refusals++;
            }
            catch (Exception exception) when (exception is MupdateProtocolException or MupdateCommandException
                or IOException or System.Net.Sockets.SocketException or ArgumentException)
            {
                LogLinkFailed(_logger, MasterName, Describe(_phase), Explain(exception));
            }
            catch (Exception exception)
            {
                // A bug must not end replication for good: log it whole and reconnect. This includes a
                // cancellation that did not come from StopAsync.
                LogLinkCrashed(_logger, exception, MasterName);
            }
            finally
            {
                _kicks.Close();
            }

            if (_phase == LinkPhase.Streaming)
            {
                refusals = 0;
            }

            var delay = ReconnectDelay(refusals);
            if (IsSynchronized)
            {
                LogReconnecting(_logger, MasterName, delay.TotalSeconds);
            }
            else
            {
                LogReconnectingUnsynchronized(_logger, MasterName, delay.TotalSeconds);
            }

            try
            {
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Returns the retry delay plus a random extra of up to half of it (up to 1 s for delays under
    /// 2 s), so that slaves do not reconnect in step. Refused resyncs make it longer.
    /// </summary>
    private TimeSpan ReconnectDelay(int refusals)
    {
        var delay = _options.EffectiveRetryDelay;
        if (refusals > 0)
        {
            // After the guard refused a resync: twice the delay per refusal in a row, up to ten minutes.
            var factor = Math.Pow(2, Math.Min(refusals, 10));
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * factor, TimeSpan.FromMinutes(10).TotalMilliseconds));
        }

        var jitterMax = Math.Max(delay.TotalMilliseconds / 2, 1000);
        return delay + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * jitterMax);
    }

    private static string Describe(LinkPhase phase) => phase switch
    {
        LinkPhase.Connecting => "connecting and reading the banner",
        LinkPhase.LoggingIn => "logging in",
        LinkPhase.ReadingDump => "reading the dump",
        LinkPhase.Resynchronizing => "storing the resync",
        _ => "streaming",
    };

    /// <summary>An exception's message, with the option to change when it is a limit of this slave.</summary>
    private static string Explain(Exception exception) => exception switch
    {
        LinkLimitException => exception.Message,
        MupdateDumpTooLargeException => exception.Message + " (mupdate_replica_entries_max)",
        MupdateTimeoutException => exception.Message + " (mupdate_master_timeout)",
        MupdateProtocolException when exception.Message.StartsWith("connecting to ", StringComparison.Ordinal) =>
            exception.Message + " (client_timeout)",
        _ => exception.Message,
    };

    private async Task RunLinkAsync(CancellationToken token)
    {
        _phase = LinkPhase.Connecting;
        _skippedOnLink = 0;
        var clientOptions = new MupdateClientOptions
        {
            ConnectTimeout = _options.ConnectTimeout,
            ResponseTimeout = _options.MasterTimeout,
            MaxResponseSize = _options.MaxResponseSize,
        };
        var client = await MupdateClient.ConnectAsync(_options.Host, _options.Port, clientOptions, token).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            if (_options.Authenticate)
            {
                _phase = LinkPhase.LoggingIn;
                var authorization = string.IsNullOrEmpty(_options.AuthorizationId) ? null : _options.AuthorizationId;
                await client.AuthenticateAsync(_options.AuthenticationId, _options.Password, authorization, _options.Mechanism, token)
                    .ConfigureAwait(false);
                LogConnected(_logger, MasterName, client.Banner.ServerName, _options.AuthenticationId);
            }
            else
            {
                LogConnectedWithoutLogin(_logger, MasterName, client.Banner.ServerName);
            }

            _phase = LinkPhase.ReadingDump;
            var started = _time.GetTimestamp();
            UpdateSubscription subscription;
            using (var dumpDeadline = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                dumpDeadline.CancelAfter(_options.DumpTimeout);
                try
                {
                    subscription = await client.UpdateAsync(null, _options.DumpEntriesMax, dumpDeadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    throw new LinkLimitException(
                        $"the dump did not finish within {_options.DumpTimeout.TotalSeconds:0} s (mupdate_dump_timeout)");
                }
            }

            _phase = LinkPhase.Resynchronizing;
            await ResyncAsync(subscription.Snapshot, _time.GetElapsedTime(started), token).ConfigureAwait(false);
            _phase = LinkPhase.Streaming;
            await StreamAsync(subscription, token).ConfigureAwait(false);
        }
    }

    private async Task ResyncAsync(IReadOnlyList<MailboxRecord> dump, TimeSpan dumpTime, CancellationToken token)
    {
        var valid = new List<MailboxRecord>(dump.Count);
        foreach (var record in dump)
        {
            if (Usable(WriteRequest.Put(record)))
            {
                valid.Add(record);
            }
        }

        ResyncPlan plan;
        using (var snapshot = _store.OpenSnapshot())
        {
            plan = ResyncPlan.Build(snapshot.List(), valid, _options.Unified);
        }

        if (plan.RemovesTooMuch(_options.DeletePercentMax, _options.GuardEntries))
        {
            LogResyncRefused(_logger, MasterName, plan.DumpCount, plan.Removed, plan.ReplicaCount, _options.DeletePercentMax);
            throw new ResyncRefusedException(
                $"the master's list of {plan.DumpCount} entries would remove {plan.Removed} of the {plan.ReplicaCount} in the replica");
        }

        foreach (var name in plan.KeptLocal)
        {
            LogKeptLocal(_logger, name);
        }

        var state = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [SyncedStateKey] = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        var result = await _store.WriteAllAsync(plan.Writes, state, token).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new IOException($"the resync could not be stored: {result.Reason}");
        }

        Interlocked.Increment(ref _resyncs);
        _firstSync.TrySetResult();
        LogResynced(_logger, MasterName, plan.DumpCount, plan.Added, plan.Changed, plan.Removed, dump.Count - valid.Count,
            valid.Count - plan.DumpCount, dumpTime.TotalMilliseconds, _store.Revision);
    }

    private async Task StreamAsync(UpdateSubscription subscription, CancellationToken token)
    {
        var link = new LinkState(_time.GetTimestamp());
        _kicks.Open();
        Task<UpdateEvent?>? read = null;
        var batch = new List<WriteRequest>();
        while (true)
        {
            read ??= subscription.ReadAsync(Timeout.InfiniteTimeSpan, token);
            if (!read.IsCompleted)
            {
                // Nothing buffered: commit what was read, then wait for more input, a kick or a timer.
                await CommitAsync(batch, token).ConfigureAwait(false);
                await WaitAsync(read, link, subscription, token).ConfigureAwait(false);
                if (!read.IsCompleted)
                {
                    continue;
                }
            }

            var update = await read.ConfigureAwait(false);
            read = null;
            link.LastHeard = _time.GetTimestamp();
            if (update is null)
            {
                // Changes read before the end of the stream are complete and in the master's order, so they are kept.
                await CommitAsync(batch, token).ConfigureAwait(false);
                throw new MupdateProtocolException("the master closed the connection");
            }

            switch (update.Kind)
            {
                case UpdateEventKind.Changed or UpdateEventKind.Deleted:
                    var request = update.Record is { } record ? WriteRequest.Put(record) : WriteRequest.Remove(update.Name);
                    if (Usable(request))
                    {
                        batch.Add(request);
                    }

                    break;
                case UpdateEventKind.Bye:
                    await CommitAsync(batch, token).ConfigureAwait(false);
                    throw new MupdateProtocolException($"the master ended the session: BYE \"{update.Response.Text}\"");
                case UpdateEventKind.Status when update.Tag == link.NoopTag:
                    if (update.Response.Word != "OK")
                    {
                        throw new MupdateProtocolException(
                            $"the master answered NOOP with {update.Response.Word} \"{update.Response.Text}\"");
                    }

                    // The changes sent before this OK are durable before any kicker hears "ok".
                    await CommitAsync(batch, token).ConfigureAwait(false);
                    link.NoopTag = null;
                    _kicks.CompleteRound();
                    break;
                default:
                    LogUnexpected(_logger, update.Response);
                    break;
            }

            if (batch.Count >= StreamBatchMax)
            {
                await CommitAsync(batch, token).ConfigureAwait(false);
            }

            // A master that streams without a pause never lets WaitAsync run, so kicks and the NOOP
            // deadline are also checked here.
            await SendNoopForKicksAsync(link, subscription, token).ConfigureAwait(false);
            if (link.NoopTag is not null && _time.GetElapsedTime(link.NoopSent) > _options.MasterTimeout)
            {
                throw NoopTimedOut();
            }
        }
    }

    private LinkLimitException NoopTimedOut() => new(
        $"the master did not answer NOOP within {_options.MasterTimeout.TotalSeconds:0.#} s (mupdate_master_timeout)");

    /// <summary>Waits for the pending read, a kick or the next timer, and sends the NOOP that is due.</summary>
    private async Task WaitAsync(Task<UpdateEvent?> read, LinkState link, UpdateSubscription subscription, CancellationToken token)
    {
        if (read.IsCompleted)
        {
            return;
        }

        await SendNoopForKicksAsync(link, subscription, token).ConfigureAwait(false);

        var due = link.NoopTag is null
            ? _options.EffectiveRetryDelay - _time.GetElapsedTime(link.LastHeard)
            : _options.MasterTimeout - _time.GetElapsedTime(link.NoopSent);
        if (due > TimeSpan.Zero)
        {
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(token);
            var timer = Task.Delay(due, _time, wake.Token);

            // During a round new kicks wait for the next one, so only the OK or the deadline matters.
            var kick = link.NoopTag is null ? _kicks.WaitForKickAsync(wake.Token) : null;
            await (kick is null ? Task.WhenAny(read, timer) : Task.WhenAny(read, timer, kick)).ConfigureAwait(false);
            await wake.CancelAsync().ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
            if (read.IsCompleted || kick is { IsCompletedSuccessfully: true })
            {
                return;
            }
        }

        if (link.NoopTag is not null)
        {
            throw NoopTimedOut();
        }

        if (_time.GetElapsedTime(link.LastHeard) >= _options.EffectiveRetryDelay)
        {
            await SendNoopAsync(link, subscription, token).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a NOOP for the kicks waiting, unless one is already in flight.</summary>
    private async Task SendNoopForKicksAsync(LinkState link, UpdateSubscription subscription, CancellationToken token)
    {
        if (link.NoopTag is null && _kicks.HasWaiting)
        {
            await SendNoopAsync(link, subscription, token).ConfigureAwait(false);
        }
    }

    private async Task SendNoopAsync(LinkState link, UpdateSubscription subscription, CancellationToken token)
    {
        _kicks.StartRound();
        link.NoopSent = _time.GetTimestamp();
        link.NoopTag = await subscription.SendNoopAsync(token).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a record from the master with the rules the master's own clients must follow: a name
    /// with control characters could share a sort key with another name and overwrite it.
    /// </summary>
    private bool Usable(WriteRequest request)
    {
        if (Server.RecordValidation.CheckReplicated(request) is not { } problem)
        {
            return true;
        }

        // Each skip is named, up to a bound per link, so that a master full of bad names cannot
        // flood the log. The resync summary counts the rest.
        _skippedOnLink++;
        if (_skippedOnLink <= SkipsNamedPerLink)
        {
            LogSkipped(_logger, MasterName, Server.LogText.Clean(request.Name), problem);
        }
        else if (_skippedOnLink == SkipsNamedPerLink + 1)
        {
            LogSkipsNoLongerNamed(_logger, MasterName, SkipsNamedPerLink);
        }

        return false;
    }

    private async Task CommitAsync(List<WriteRequest> batch, CancellationToken token)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var result = await _store.WriteAllAsync([.. batch], null, token).ConfigureAwait(false);
        batch.Clear();
        if (!result.Succeeded)
        {
            // The replica now misses changes the master sent: start over with a resync.
            throw new IOException($"streamed changes could not be stored: {result.Reason}");
        }
    }

    private sealed class LinkState(long now)
    {
        public long LastHeard { get; set; } = now;

        public long NoopSent { get; set; }

        public string? NoopTag { get; set; }
    }

    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Logged in to the master {Master} ({ServerName}) as {User}; sending UPDATE")]
    private static partial void LogConnected(ILogger logger, string master, string serverName, string user);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Information,
        Message = "Connected to the master {Master} ({ServerName}) without logging in (mupdate_server ends in /noauth); sending UPDATE")]
    private static partial void LogConnectedWithoutLogin(ILogger logger, string master, string serverName);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Error,
        Message = "Login to the master {Master} failed: {Reason}. Check mupdate_authname and mupdate_password here, and that the master lists the user in its admins")]
    private static partial void LogLoginFailed(ILogger logger, string master, string reason);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information,
        Message = "Resynchronized with {Master}: {Count} entries ({Added} added, {Changed} changed, {Removed} removed; "
            + "{Skipped} invalid entries skipped, {Duplicates} listed more than once); dump took {Milliseconds:0} ms; store at revision {Revision}")]
    private static partial void LogResynced(
        ILogger logger, string master, int count, int added, int changed, int removed, int skipped, int duplicates, double milliseconds, long revision);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Link to the master {Master} failed while {Phase}: {Reason}")]
    private static partial void LogLinkFailed(ILogger logger, string master, string phase, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Link to the master {Master} failed unexpectedly")]
    private static partial void LogLinkCrashed(ILogger logger, Exception exception, string master);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Reconnecting to {Master} in {Seconds:0.0} s; serving the last complete replica meanwhile")]
    private static partial void LogReconnecting(ILogger logger, string master, double seconds);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information,
        Message = "Reconnecting to {Master} in {Seconds:0.0} s; there is no complete replica yet, so FIND and LIST answer NO meanwhile")]
    private static partial void LogReconnectingUnsynchronized(ILogger logger, string master, double seconds);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error,
        Message = "Refused to resynchronize with {Master}: its list of {Count} entries would remove {Removed} of the {ReplicaCount} in the replica, "
            + "more than mupdate_resync_delete_percent_max ({Percent}%). That happens when mupdate_server names another master, "
            + "or when the master's list was emptied. The replica is kept and served, and the slave retries later. If the master's "
            + "list is right, set mupdate_resync_delete_percent_max: 100 and restart, then set it back")]
    private static partial void LogResyncRefused(ILogger logger, string master, int count, int removed, int replicaCount, int percent);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning,
        Message = "Kept the local mailbox {Name}, which the master does not list (mupdate_config: unified; its location has no server part)")]
    private static partial void LogKeptLocal(ILogger logger, string name);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Warning, Message = "Skipped the entry {Name} from the master {Master}: {Problem}")]
    private static partial void LogSkipped(ILogger logger, string master, string name, string problem);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning,
        Message = "More than {Count} invalid entries from the master {Master} on this connection; the rest are skipped without a line each")]
    private static partial void LogSkipsNoLongerNamed(ILogger logger, string master, int count);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Debug, Message = "Ignored a response from the master: {Response}")]
    private static partial void LogUnexpected(ILogger logger, Protocol.ServerResponse response);
}

/// <summary>What the link to the master was doing, for its failure messages.</summary>
internal enum LinkPhase
{
    Connecting,
    LoggingIn,
    ReadingDump,
    Resynchronizing,
    Streaming,
}

/// <summary>A limit of this slave ended the link; the message names the option that sets it.</summary>
internal sealed class LinkLimitException(string message) : MupdateProtocolException(message);

/// <summary>A resync was refused by the delete guard; the replica stays as it was.</summary>
public sealed class ResyncRefusedException(string message) : Exception(message);
