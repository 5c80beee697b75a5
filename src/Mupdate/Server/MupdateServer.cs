using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Server;

/// <summary>
/// The MUPDATE listener: accepts connections on every configured address and runs one asynchronous
/// session per connection (no thread per client). Past <see cref="ServerOptions.ConnectionsMax"/>
/// a new connection gets <c>* BYE "Server Unable"</c> and is closed.
/// </summary>
public sealed class MupdateServer : IAsyncDisposable
{
    private readonly ServerContext _context;
    private readonly ConcurrentDictionary<long, (Session Session, Task Task)> _sessions = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _nextSessionId;
    private int _stopped;

    public MupdateServer(
        ServerOptions options,
        IMailboxStore store,
        LoginPolicy loginPolicy,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        _context = new ServerContext(
            options,
            store,
            loginPolicy,
            loggerFactory ?? NullLoggerFactory.Instance,
            timeProvider ?? TimeProvider.System);
    }

    /// <summary>The bound addresses, with the real port when port 0 was asked for.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _listeners.Select(l => (IPEndPoint)l.LocalEndPoint!).ToArray();

    public int SessionCount => _sessions.Count;

    /// <summary>Binds every listener (throwing <see cref="SocketException"/> when one fails) and starts accepting.</summary>
    public void Start()
    {
        foreach (var endPoint in _context.Options.Listen)
        {
            var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
                {
                    // One socket serves IPv4 and IPv6, so "all addresses" is one listener, one process.
                    listener.DualMode = true;
                }

                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Bind(endPoint);
                listener.Listen(512);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _listeners.Add(listener);
            SessionLog.Listening(_context.ServerLogger, listener.LocalEndPoint!);
        }

        foreach (var listener in _listeners)
        {
            // Read here: once StopAsync disposed the listener, its LocalEndPoint throws.
            var endPoint = listener.LocalEndPoint!;
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener, endPoint)));
        }
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

        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
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

            socket.NoDelay = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            if (_sessions.Count >= _context.Options.ConnectionsMax)
            {
                SessionLog.OverLimit(_context.ServerLogger, socket.RemoteEndPoint, _sessions.Count);
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
        SessionLog.Accepted(_context.ConnectionLogger, id, socket.RemoteEndPoint);
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
