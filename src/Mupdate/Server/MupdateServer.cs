using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mupdate.Logging;
using Mupdate.Protocol;
using Mupdate.Replication;
using Mupdate.Store;

namespace Mupdate.Server;

/// <summary>
/// The MUPDATE listener: accepts connections on every configured address and runs one asynchronous
/// session per connection (no thread per client). Past <see cref="ServerOptions.ConnectionsMax"/>
/// a new connection gets <c>* BYE "Server Unable"</c> and is closed.
/// </summary>
public sealed partial class MupdateServer : IAsyncDisposable
{
    /// <summary>The minimum time between two log lines about connections refused over the limit.</summary>
    internal static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    private readonly ServerContext _context;
    private readonly LogRateLimiter _refusalLog;
    private readonly ConcurrentDictionary<long, (Session Session, Task Task)> _sessions = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _refusalFlush;
    private long _nextSessionId;
    private bool _started;
    private int _stopped;

    public MupdateServer(
        ServerOptions options,
        IMailboxStore store,
        LoginPolicy loginPolicy,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IReplicaStatus? replica = null,
        IKickTarget? kick = null)
    {
        _context = new ServerContext(
            options,
            store,
            loginPolicy,
            loggerFactory ?? NullLoggerFactory.Instance,
            timeProvider ?? TimeProvider.System)
        {
            Replica = replica,
            Kick = kick ?? ImmediateKickTarget.Instance,
        };
        _refusalLog = new LogRateLimiter(RefusalLogInterval, _context.Time);
    }

    /// <summary>The bound addresses, with the real port when port 0 was asked for.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _listeners.Select(l => (IPEndPoint)l.LocalEndPoint!).ToArray();

    public int SessionCount => _sessions.Count;

    /// <summary>
    /// Binds every listener and starts accepting. When one bind fails it closes those already bound and
    /// throws the <see cref="SocketException"/>.
    /// </summary>
    public void Start()
    {
        try
        {
            foreach (var endPoint in _context.Options.Listen)
            {
                _listeners.Add(Bind(endPoint));
            }

            _listeners.AddRange(_context.Options.InheritedListeners);
        }
        catch
        {
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }

            _listeners.Clear();
            throw;
        }

        foreach (var listener in _listeners)
        {
            // Read here: once StopAsync disposed the listener, its LocalEndPoint throws.
            var endPoint = listener.LocalEndPoint!;
            SessionLog.Listening(_context.ServerLogger, endPoint);
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener, endPoint)));
        }

        _refusalFlush = _context.Time.CreateTimer(_ => FlushRefusals(), null, RefusalLogInterval, RefusalLogInterval);
        _started = true;
    }

    /// <summary>
    /// Stops accepting, asks every session to say BYE and close, and waits for them up to
    /// <see cref="ServerOptions.ShutdownGrace"/>; sessions still open then are closed hard.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        if (!_started)
        {
            // Start was never called or failed, so there is nothing to stop and nothing to report.
            return;
        }

        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        if (_refusalFlush is not null)
        {
            await _refusalFlush.DisposeAsync().ConfigureAwait(false);
        }

        if (_refusalLog.TakeSuppressed() is > 0 and var refused)
        {
            LogMoreRefused(_context.ServerLogger, refused, _context.Options.ConnectionsMax);
        }

        var sessions = _sessions.Values.ToArray();
        SessionLog.Stopping(_context.ServerLogger, sessions.Length);
        foreach (var (session, _) in sessions)
        {
            session.BeginShutdown();
        }

        var all = Task.WhenAll(sessions.Select(s => s.Task));
        var grace = _context.Options.ShutdownGrace;
        if (await Task.WhenAny(all, Task.Delay(grace, _context.Time)).ConfigureAwait(false) != all)
        {
            var stuck = _sessions.Values.ToArray();
            SessionLog.Aborted(_context.ServerLogger, stuck.Length, grace.TotalSeconds);
            foreach (var (session, _) in stuck)
            {
                session.Abort();
            }

            await all.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, EndPoint endPoint)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (_stopping.IsCancellationRequested && exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (SocketException exception)
            {
                // Typically out of file descriptors: wait instead of spinning, then go on.
                SessionLog.AcceptFailed(_context.ServerLogger, exception, endPoint);
                await Task.Delay(TimeSpan.FromSeconds(1), _context.Time).ConfigureAwait(false);
                continue;
            }

            _context.Options.ConnectionAccepted?.Invoke();
            socket.NoDelay = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            if (_sessions.Count >= _context.Options.ConnectionsMax)
            {
                LogRefusal(socket);
                _ = RefuseAsync(socket);
                continue;
            }

            StartSession(socket);
        }
    }

    private void StartSession(Socket socket)
    {
        var id = Interlocked.Increment(ref _nextSessionId);
        var session = new Session(id, socket, _context);
        var remote = ForLog(socket.RemoteEndPoint);
        SessionLog.Accepted(_context.ConnectionLogger, id, remote);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await started.Task.ConfigureAwait(false);
            try
            {
                using (SessionLog.ConnectionScope(_context.ConnectionLogger, id))
                {
                    await session.RunAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _sessions.TryRemove(id, out _);
            }
        });
        _sessions[id] = (session, task);
        started.SetResult();
    }

    /// <summary>
    /// Returns an IPv4 client of a dual-stack listener (seen as <c>::ffff:a.b.c.d</c>) as its IPv4 address, so
    /// logs show the address the client used.
    /// </summary>
    internal static EndPoint? ForLog(EndPoint? remote) =>
        remote is IPEndPoint { Address.IsIPv4MappedToIPv6: true } mapped
            ? new IPEndPoint(mapped.Address.MapToIPv4(), mapped.Port)
            : remote;

    private static Socket Bind(IPEndPoint endPoint)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                // One socket serves IPv4 and IPv6, so "all addresses" is one listener, one process.
                listener.DualMode = true;
            }

            // No ReuseAddress: on Linux .NET turns it into SO_REUSEPORT as well, which would let a second
            // server bind the same port and take half the connections. .NET already sets SO_REUSEADDR,
            // so a restart binds at once even with connections in TIME_WAIT.
            listener.Bind(endPoint);
            listener.Listen(512);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    // Logs the first refusal, then at most one line per RefusalLogInterval, which a flood of connections
    // would otherwise turn into one line per connection.
    private void LogRefusal(Socket socket)
    {
        if (!_refusalLog.TryAcquire(out var suppressed))
        {
            return;
        }

        if (suppressed > 0)
        {
            LogMoreRefused(_context.ServerLogger, suppressed, _context.Options.ConnectionsMax);
        }

        var remote = ForLog(socket.RemoteEndPoint);
        SessionLog.OverLimit(_context.ServerLogger, remote, _sessions.Count);
    }

    // Reports the refusals of a burst that ended, which no later refusal would report.
    private void FlushRefusals()
    {
        if (_refusalLog.TryFlush(out var suppressed))
        {
            LogMoreRefused(_context.ServerLogger, suppressed, _context.Options.ConnectionsMax);
        }
    }

    [LoggerMessage(
        EventId = 1010,
        Level = LogLevel.Warning,
        Message = "{Count} more connections refused since the previous message, because {Max} connections were open "
            + "(mupdate_connections_max)")]
    private static partial void LogMoreRefused(ILogger logger, long count, int max);

    /// <summary>Sends the over-limit BYE (without the NUL byte Cyrus 3.6 appends) and closes.</summary>
    private static async Task RefuseAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var line = System.Text.Encoding.ASCII.GetBytes($"* BYE \"{WireText.ServerUnable}\"\r\n");
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.SendAsync(line, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client is gone; nothing more to tell it.
            }
        }
    }
}
