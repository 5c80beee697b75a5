using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Server;

/// <summary>
/// One client connection: reads commands, checks them against the state table, runs them and writes
/// the responses. Split by concern into partial files (commands, authentication, UPDATE streams).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "RunAsync owns the session's lifetime and releases everything in CloseAsync.")]
internal sealed partial class Session
{
    // Output is flushed at the latest when this much is buffered, which bounds a session's unsent
    // data while it answers a pipeline of commands or sends a long LIST.
    private const int FlushThreshold = 64 * 1024;

    private readonly ServerContext _context;
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ParserState _parserState = new();
    private readonly IncompleteCommand _incomplete = new();
    private readonly Func<CommandKind, Rejection?> _gate;
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _readTimeout = new();
    private readonly CancellationTokenSource _readCancellation;
    private readonly CancellationTokenSource _writeTimeout = new();
    private readonly long _loginDeadline;
    private volatile bool _shuttingDown;
    private SessionState _state;
    private UpdateStream? _update;
    private IDisposable? _subscription;
    private Task<StreamEnd>? _pump;

    public Session(long id, Socket socket, ServerContext context)
    {
        Id = id;
        _socket = socket;
        _context = context;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        _network = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_network, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        _output = PipeWriter.Create(_network, new StreamPipeWriterOptions(leaveOpen: true));
        _gate = kind => CommandStateTable.Check(_state, _context.Options.ReadOnly, kind);
        _readCancellation = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token, _readTimeout.Token);
        _loginDeadline = context.Time.GetTimestamp() + (long)(context.Options.LoginTimeout.TotalSeconds * context.Time.TimestampFrequency);
    }

    public long Id { get; }

    public IPEndPoint? RemoteEndPoint { get; }

    public string? User { get; private set; }

    public SessionState State => _state;

    private ServerOptions Options => _context.Options;

    private IMailboxStore Store => _context.Store;

    /// <summary>Asks the session to say BYE and close; it finishes the command it is running first.</summary>
    public void BeginShutdown()
    {
        _shuttingDown = true;
        if (_update is { } update)
        {
            update.Enqueue(StreamItem.ForBye(null, WireText.ShuttingDown));
            update.Complete();
        }
        else
        {
            _closed.Cancel();
        }
    }

    /// <summary>Closes the socket at once; used when a session does not finish within the shutdown grace.</summary>
    public void Abort()
    {
        _closed.Cancel();
        try
        {
            _socket.Close(0);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile by the session itself.
        }
    }

    public async Task RunAsync()
    {
        var reason = "closed by client";
        try
        {
            WriteBanner();
            await FlushAsync().ConfigureAwait(false);
            reason = await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (SessionAbortException abort)
        {
            SessionLog.ProtocolViolation(_context.ConnectionLogger, Id, abort.Message);
            await EndWithByeAsync(abort.Message).ConfigureAwait(false);
            reason = abort.Message;
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            reason = "connection lost: " + exception.Message;
        }
        catch (OperationCanceledException) when (_writeTimeout.IsCancellationRequested)
        {
            reason = $"client did not read for {Options.WriteTimeout.TotalSeconds:0} s (write timeout)";
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested && _shuttingDown)
        {
            // Shutdown cut a wait inside a command, such as the pause after a failed login.
            await EndWithByeAsync(WireText.ShuttingDown).ConfigureAwait(false);
            reason = "server shutting down";
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            reason = "closed";
        }
        catch (Exception exception)
        {
            // Last line of defence: one session's bug ends that session only.
            SessionLog.Failed(_context.ConnectionLogger, exception, Id);
            reason = "internal error";
        }
        finally
        {
            reason = await StopStreamAsync(reason).ConfigureAwait(false);
            await CloseAsync().ConfigureAwait(false);
            SessionLog.Closed(_context.ConnectionLogger, Id, User, reason);
        }
    }

    private async Task<string> ReadLoopAsync()
    {
        while (true)
        {
            ReadResult result;
            try
            {
                _readTimeout.CancelAfter(CurrentReadTimeout());
                result = await _input.ReadAsync(_readCancellation.Token).ConfigureAwait(false);
                StopReadTimeout();
            }
            catch (OperationCanceledException) when (!_closed.IsCancellationRequested)
            {
                var text = _state == SessionState.NotAuthenticated ? WireText.LoginTimeout : WireText.IdleTooLong;
                await EndWithByeAsync(text).ConfigureAwait(false);
                return text;
            }
            catch (OperationCanceledException) when (_shuttingDown)
            {
                await EndWithByeAsync(WireText.ShuttingDown).ConfigureAwait(false);
                return "server shutting down";
            }

            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                return "closed by client";
            }

            if (!_incomplete.ShouldParse(buffer, Options.Limits.MaxCommand))
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return "closed by client in the middle of a command";
                }

                continue;
            }

            var outcome = CommandParser.Parse(buffer, _parserState, Options.Limits, _gate);
            _incomplete.Record(outcome, buffer.Length);
            switch (outcome.Status)
            {
                case ParseStatus.Incomplete:
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        return "closed by client in the middle of a command";
                    }

                    // Once streaming, the pump is the connection's only writer and flushes by itself.
                    if (_update is null)
                    {
                        await FlushAsync().ConfigureAwait(false);
                    }

                    continue;

                case ParseStatus.Continuation:
                    _input.AdvanceTo(buffer.Start);
                    _parserState.AcknowledgeLiteral();
                    ResponseWriter.WriteContinuation(_output);
                    await FlushAsync().ConfigureAwait(false);
                    continue;

                case ParseStatus.Fatal:
                    _input.AdvanceTo(buffer.End);
                    SessionLog.ProtocolViolation(_context.ConnectionLogger, Id, outcome.Rejection.Text);
                    await EndWithByeAsync(outcome.Rejection.Text).ConfigureAwait(false);
                    return outcome.Rejection.Text;
            }

            var remaining = buffer.Length - outcome.Consumed;
            _input.AdvanceTo(buffer.GetPosition(outcome.Consumed));
            _parserState.Reset();
            var end = outcome.Status == ParseStatus.Command
                ? await ExecuteAsync(outcome.Command!).ConfigureAwait(false)
                : Reject(outcome);
            if (end is not null)
            {
                return end;
            }

            if (_update is null && (remaining == 0 || _output.UnflushedBytes >= FlushThreshold))
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stops the idle or login timer once input has arrived, so a command that runs long (a dump to
    /// a slow client, say) is bounded by the write timeout and not cut by the idle timeout.
    /// </summary>
    private void StopReadTimeout() => _readTimeout.CancelAfter(Timeout.InfiniteTimeSpan);

    private TimeSpan CurrentReadTimeout()
    {
        if (_state != SessionState.NotAuthenticated)
        {
            return Options.IdleTimeout;
        }

        var remaining = _context.Time.GetElapsedTime(_context.Time.GetTimestamp(), _loginDeadline);
        remaining = remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining;
        return remaining < Options.IdleTimeout ? remaining : Options.IdleTimeout;
    }

    private string? Reject(ParseResult outcome)
    {
        SessionLog.CommandRejected(_context.CommandLogger, Id, outcome.Tag, outcome.Kind, outcome.Rejection.Text);
        Respond(outcome.Tag, outcome.Rejection.Status, outcome.Rejection.Text);
        return null;
    }

    /// <summary>Sends a status response, through the stream's queue once the session is streaming.</summary>
    private void Respond(string? tag, ResponseStatus status, string text)
    {
        if (_update is { } update)
        {
            update.Enqueue(StreamItem.ForStatus(tag, status, text));
            return;
        }

        ResponseWriter.WriteStatus(_output, tag, status, text);
    }

    private void WriteBanner()
    {
        var mechanisms = _context.LoginPolicy.OfferedMechanisms;
        var auth = new ArrayBufferWriter<byte>();
        auth.Write("* AUTH"u8);
        foreach (var mechanism in mechanisms)
        {
            auth.Write(" "u8);
            ResponseWriter.WriteQuoted(auth, mechanism);
        }

        _output.Write(auth.WrittenSpan);
        _output.Write("\r\n* PARTIAL-UPDATE\r\n* OK MUPDATE "u8);
        ResponseWriter.WriteQuoted(_output, ResponseWriter.SanitizeText(Options.ServerName));
        _output.Write(" "u8);
        ResponseWriter.WriteQuoted(_output, Options.ImplementationName);
        _output.Write(" "u8);
        ResponseWriter.WriteQuoted(_output, Options.ImplementationVersion);
        _output.Write(" "u8);
        var role = Options.MasterAddress is { } master ? "mupdate://" + master : "(master)";
        ResponseWriter.WriteQuoted(_output, ResponseWriter.SanitizeText(role));
        _output.Write("\r\n"u8);
    }

    private async ValueTask FlushAsync()
    {
        if (_output.UnflushedBytes == 0)
        {
            return;
        }

        _writeTimeout.CancelAfter(Options.WriteTimeout);
        var result = await _output.FlushAsync(_writeTimeout.Token).ConfigureAwait(false);
        _writeTimeout.CancelAfter(Timeout.InfiniteTimeSpan);
        if (result.IsCompleted)
        {
            throw new IOException("the connection is closed");
        }
    }

    /// <summary>
    /// Ends the session with an untagged BYE: written here, or queued for the pump once streaming,
    /// because then the pump is the connection's only writer.
    /// </summary>
    private Task EndWithByeAsync(string text)
    {
        if (_update is { } update)
        {
            update.Enqueue(StreamItem.ForBye(null, text));
            update.Complete();
            return Task.CompletedTask;
        }

        return SayByeAsync(text);
    }

    /// <summary>Sends an untagged BYE, giving a client that does not read only a short while.</summary>
    private async Task SayByeAsync(string text)
    {
        try
        {
            ResponseWriter.WriteStatus(_output, null, ResponseStatus.Bye, text);
            _writeTimeout.CancelAfter(TimeSpan.FromSeconds(2));
            await _output.FlushAsync(_writeTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone or stuck; the connection is closed either way.
        }
    }

    private async Task CloseAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer.
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            // Completing writes what is still buffered, which fails after the shutdown above when the
            // session ended because the client stopped reading. That output is dropped.
        }

        await _network.DisposeAsync().ConfigureAwait(false);
        // _closed stays undisposed: the server may still cancel it during shutdown, and without a
        // timer it holds nothing that needs releasing.
        _readCancellation.Dispose();
        _readTimeout.Dispose();
        _writeTimeout.Dispose();
    }
}
