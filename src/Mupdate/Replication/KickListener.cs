using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Mupdate.Replication;

/// <summary>
/// The kick socket, <c>{configdirectory}/socket/mupdate.target</c>: a local process (Cyrus's imapd
/// after it creates a mailbox) connects, and the connection gets <c>ok</c> once the
/// <see cref="IKickTarget"/> reports the master's latest changes in the local store. When that
/// cannot be confirmed, the connection is closed without <c>ok</c>, as in Cyrus.
/// </summary>
public sealed partial class KickListener : IAsyncDisposable
{
    // The longest path a Unix socket address holds on Linux (sun_path is 108 bytes with the NUL).
    private const int MaxSocketPath = 107;

    private readonly string _path;
    private readonly IKickTarget _target;
    private readonly int _connectionsMax;
    private readonly TimeSpan _waitMax;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private readonly Logging.LogRateLimiter _tooManyLog = new(TimeSpan.FromSeconds(10));
    private Task? _acceptLoop;
    private Timer? _tooManyFlush;
    private int _connections;

    /// <param name="path">The socket's path.</param>
    /// <param name="target">Decides when a kick gets <c>ok</c>.</param>
    /// <param name="connectionsMax">Kick connections served at once; more are closed at once.</param>
    /// <param name="waitMax">Longest a kick waits before it is closed without <c>ok</c>.</param>
    /// <param name="logger">Where bind failures and refusals go.</param>
    public KickListener(string path, IKickTarget target, int connectionsMax, TimeSpan waitMax, ILogger logger)
    {
        _path = path;
        _target = target;
        _connectionsMax = connectionsMax;
        _waitMax = waitMax;
        _logger = logger;
    }

    public string Path => _path;

    /// <summary>
    /// Binds the socket, replacing a stale file left by a process that is gone. Returns false (and
    /// logs why) when it cannot: the server then runs without kicks, and kickers see a refused connect,
    /// which Cyrus's kick client treats as "nothing to wait for".
    /// </summary>
    public bool Start()
    {
        if (OperatingSystem.IsWindows())
        {
            LogCannotBind(_logger, _path, "kick sockets are Unix sockets, which this server uses only on Unix systems");
            return false;
        }

        if (_path.Length > MaxSocketPath)
        {
            LogCannotBind(_logger, _path, $"the path is longer than the {MaxSocketPath} bytes a Unix socket address holds");
            return false;
        }

        try
        {
            var directory = System.IO.Path.GetDirectoryName(_path)!;
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            if (Directory.Exists(_path))
            {
                LogCannotBind(_logger, _path, "a directory has that name; remove it");
                return false;
            }

            if (File.Exists(_path))
            {
                if (IsServed(_path))
                {
                    LogCannotBind(_logger, _path, "another process is listening on it (a second mupdate?)");
                    return false;
                }

                LogReplacing(_logger, _path);
                File.Delete(_path);
            }

            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                listener.Bind(new UnixDomainSocketEndPoint(_path));

                // Cyrus's imapd, lmtpd and tools kick as whatever user they run as, so the socket is
                // open to every local user, as Cyrus's own is. A kick costs at most one shared NOOP.
                File.SetUnixFileMode(_path, (UnixFileMode)0b111_111_111);
                listener.Listen(64);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _listener = listener;
        }
        catch (Exception exception) when (exception is SocketException or IOException or UnauthorizedAccessException)
        {
            LogCannotBind(_logger, _path, exception.Message);
            return false;
        }

        _acceptLoop = Task.Run(AcceptLoopAsync);
        _tooManyFlush = new Timer(_ => FlushTooMany(), null, _tooManyLog.Interval, _tooManyLog.Interval);
        LogListening(_logger, _path);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_tooManyFlush is not null)
        {
            await _tooManyFlush.DisposeAsync().ConfigureAwait(false);
        }

        if (_tooManyLog.TakeSuppressed() is > 0 and var left)
        {
            LogMoreTooMany(_logger, left, _connectionsMax);
        }

        _listener?.Dispose();
        if (_acceptLoop is { } loop)
        {
            await loop.ConfigureAwait(false);
            try
            {
                File.Delete(_path);
            }
            catch (IOException)
            {
                // Left behind; the next start replaces it.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
        }

        _stop.Dispose();
    }

    // Reports the kicks refused after the last logged line, even when no further kick comes.
    private void FlushTooMany()
    {
        if (_tooManyLog.TryFlush(out var suppressed))
        {
            LogMoreTooMany(_logger, suppressed, _connectionsMax);
        }
    }

    private static bool IsServed(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception)
            {
                // Out of descriptors, for example: pause rather than spin on the same error.
                LogAcceptFailed(_logger, _path, exception.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
                continue;
            }

            if (Interlocked.Increment(ref _connections) > _connectionsMax)
            {
                Interlocked.Decrement(ref _connections);
                if (_tooManyLog.TryAcquire(out var suppressed))
                {
                    LogTooMany(_logger, _connectionsMax, suppressed);
                }

                connection.Dispose();
                continue;
            }

            _ = AnswerAsync(connection);
        }
    }

    private async Task AnswerAsync(Socket connection)
    {
        try
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            wait.CancelAfter(_waitMax);
            if (await _target.KickAsync(wait.Token).ConfigureAwait(false))
            {
                await connection.SendAsync("ok"u8.ToArray(), SocketFlags.None, wait.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The kicker left, or the wait ended, so the connection is closed without ok.
        }
        finally
        {
            connection.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Kick socket listening on {Path}")]
    private static partial void LogListening(ILogger logger, string path);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Error, Message = "Cannot listen on the kick socket {Path}: {Reason}; running without it, so local kicks return at once")]
    private static partial void LogCannotBind(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning,
        Message = "More than {Max} kicks at once (mupdate_kick_max); closed one without an answer ({Suppressed} more since the previous message)")]
    private static partial void LogTooMany(ILogger logger, int max, long suppressed);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "{Count} more kicks closed without an answer, over mupdate_kick_max ({Max})")]
    private static partial void LogMoreTooMany(ILogger logger, long count, int max);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Information, Message = "Replacing the old file at {Path}, which no process listens on")]
    private static partial void LogReplacing(ILogger logger, string path);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Accepting on the kick socket {Path} failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, string path, string reason);
}
