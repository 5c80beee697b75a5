using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Tests.Replication;

/// <summary>How <see cref="FakeMaster"/> responds to a NOOP.</summary>
internal enum NoopAnswer
{
    /// <summary>Sends the OK at once.</summary>
    Immediate,

    /// <summary>Sends the OK after <see cref="FakeMaster.NoopDelay"/>, so lines pushed meanwhile go first.</summary>
    Delayed,

    /// <summary>Never sends the OK.</summary>
    Never,
}

/// <summary>
/// A scripted MUPDATE master on 127.0.0.1 with a free port, for testing a slave's link. It offers
/// only PLAIN, accepts any login, responds to UPDATE with <see cref="Dump"/> and a tagged OK, and lets
/// the test push MAILBOX, RESERVE and DELETE lines to the last connection that sent UPDATE. NOOPs
/// get the OK that <see cref="NoopAnswer"/> selects. Connections are counted from one.
/// </summary>
internal sealed class FakeMaster : IAsyncDisposable
{
    public const string ServerName = "fake";

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<Connection> _connections = [];
    private readonly List<Task> _handlers = [];
    private readonly Task _acceptLoop;
    private readonly List<MailboxRecord> _beforeNoopOk = [];
    private TaskCompletionSource _dumpGate = NewReleasedGate();
    private int _noopsReceived;
    private int _noopsAnswered;

    public FakeMaster()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The records sent in response to UPDATE, in this order.</summary>
    public IReadOnlyList<MailboxRecord> Dump { get; set; } = [];

    /// <summary>
    /// When set, the master closes the connection after sending this many dump entries, before the
    /// OK of UPDATE, as a master that crashes in the middle of a dump does.
    /// </summary>
    public int? CloseDumpAfter { get; set; }

    /// <summary>
    /// Names sent as raw bytes after <see cref="Dump"/>, each as a MAILBOX literal, for bytes a real
    /// master may hold that are not UTF-8.
    /// </summary>
    public IReadOnlyList<byte[]> RawDumpNames { get; set; } = [];

    /// <summary>When set, the dump goes out one record per interval, and never ends while the master runs.</summary>
    public TimeSpan? TrickleInterval { get; set; }

    public NoopAnswer NoopAnswer { get; set; } = NoopAnswer.Immediate;

    public TimeSpan NoopDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Connections that received the dump and its OK.</summary>
    public int StreamingCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count(c => c.UpdateTag is not null);
            }
        }
    }

    public int NoopsReceived => Volatile.Read(ref _noopsReceived);

    /// <summary>NOOP OKs sent; the count goes up just before the OK is written.</summary>
    public int NoopsAnswered => Volatile.Read(ref _noopsAnswered);

    /// <summary>The authentication id of the last PLAIN login, or null before the first.</summary>
    public string? LastAuthenticationId { get; private set; }

    /// <summary>Makes later UPDATE commands wait for <see cref="ReleaseDump"/> before the dump is sent.</summary>
    public void HoldDump()
    {
        lock (_lock)
        {
            if (_dumpGate.Task.IsCompleted)
            {
                _dumpGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void ReleaseDump()
    {
        lock (_lock)
        {
            _dumpGate.TrySetResult();
        }
    }

    /// <summary>Sends a MAILBOX or RESERVE line to the last streaming connection.</summary>
    public Task PushAsync(MailboxRecord record)
    {
        var connection = LastStreaming();
        var line = new ArrayBufferWriter<byte>();
        WriteRecord(line, connection.UpdateTag!, record);
        return connection.SendAsync(line.WrittenMemory);
    }

    /// <summary>
    /// Queues <paramref name="record"/> to go out in the same write as the next NOOP OK, just before it,
    /// so the slave reads both from one buffer.
    /// </summary>
    public void PushWithNextNoopOk(MailboxRecord record)
    {
        lock (_lock)
        {
            _beforeNoopOk.Add(record);
        }
    }

    /// <summary>Sends a DELETE line to the last streaming connection.</summary>
    public Task PushDeleteAsync(string name)
    {
        var connection = LastStreaming();
        var line = new ArrayBufferWriter<byte>();
        ResponseWriter.WriteDelete(line, connection.UpdateTag!, name);
        return connection.SendAsync(line.WrittenMemory);
    }

    /// <summary>Closes every open connection, as a master that restarts does.</summary>
    public void DisconnectAll()
    {
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                connection.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DisconnectAll();
        ReleaseDump();
        await _acceptLoop;

        Task[] handlers;
        lock (_lock)
        {
            handlers = [.. _handlers];
        }

        await Task.WhenAll(handlers);
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewReleasedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private Connection LastStreaming()
    {
        lock (_lock)
        {
            return _connections.LastOrDefault(c => c.UpdateTag is not null)
                ?? throw new InvalidOperationException("no connection of the fake master has sent UPDATE");
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception exception)
                when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var connection = new Connection(socket);
            lock (_lock)
            {
                _connections.Add(connection);
                _handlers.Add(ServeAsync(connection));
            }
        }
    }

    private async Task ServeAsync(Connection connection)
    {
        try
        {
            await connection.SendAsync(
                "* AUTH \"PLAIN\"\r\n* PARTIAL-UPDATE\r\n* OK MUPDATE \"fake\" \"x\" \"1\" \"(master)\"\r\n");
            while (await connection.ReadCommandAsync(_stop.Token) is { } command)
            {
                await ExecuteAsync(connection, command);
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException
            or OperationCanceledException)
        {
            // The slave went away or the test ended: the connection is over either way.
        }
        finally
        {
            connection.Close();
        }
    }

    private async Task ExecuteAsync(Connection connection, List<string> command)
    {
        var tag = command[0];
        var verb = command.Count > 1 ? command[1].ToUpperInvariant() : "";
        switch (verb)
        {
            case "AUTHENTICATE" when command.Count == 4 && IsPlain(command[2]):
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(command[3])).Split('\0');
                LastAuthenticationId = parts.Length == 3 ? parts[1] : null;
                await connection.SendAsync($"{tag} OK \"Authenticated\"\r\n");
                break;
            case "UPDATE":
                await SendDumpAsync(connection, tag);
                break;
            case "NOOP":
                Interlocked.Increment(ref _noopsReceived);
                AnswerNoop(connection, tag);
                break;
            case "LOGOUT":
                await connection.SendAsync($"{tag} OK \"bye\"\r\n");
                connection.Close();
                break;
            default:
                await connection.SendAsync($"{tag} BAD \"the fake master does not script {verb}\"\r\n");
                break;
        }
    }

    private static bool IsPlain(string mechanism) => mechanism.Equals("PLAIN", StringComparison.OrdinalIgnoreCase);

    private async Task SendDumpAsync(Connection connection, string tag)
    {
        Task gate;
        lock (_lock)
        {
            gate = _dumpGate.Task;
        }

        await gate.WaitAsync(_stop.Token);
        var dump = new ArrayBufferWriter<byte>();
        if (TrickleInterval is { } interval)
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                dump.ResetWrittenCount();
                WriteRecord(dump, tag, MailboxRecord.Active($"user.trickle.m{i}", "be1!p", ""));
                await connection.SendAsync(dump.WrittenMemory);
                await Task.Delay(interval, _stop.Token);
            }

            return;
        }

        if (CloseDumpAfter is { } cut)
        {
            foreach (var record in Dump.Take(cut))
            {
                WriteRecord(dump, tag, record);
            }

            await connection.SendAsync(dump.WrittenMemory);
            connection.Close();
            return;
        }

        foreach (var record in Dump)
        {
            WriteRecord(dump, tag, record);
        }

        foreach (var name in RawDumpNames)
        {
            dump.Write(Encoding.ASCII.GetBytes($"{tag} MAILBOX {{{name.Length}}}\r\n"));
            dump.Write(name);
            dump.Write(" \"be9!p\" \"\"\r\n"u8);
        }

        ResponseWriter.WriteStatus(dump, tag, ResponseStatus.Ok, "streaming starts");

        // The tag is set under the send lock, so a push can never overtake the dump.
        await connection.SendAsync(dump.WrittenMemory, () => connection.UpdateTag = tag);
    }

    private static void WriteRecord(ArrayBufferWriter<byte> output, string tag, MailboxRecord record)
    {
        if (record.Kind == MailboxKind.Active)
        {
            ResponseWriter.WriteMailbox(output, tag, record.Name, record.Location, record.Acl);
        }
        else
        {
            ResponseWriter.WriteReserve(output, tag, record.Name, record.Location);
        }
    }

    private void AnswerNoop(Connection connection, string tag)
    {
        switch (NoopAnswer)
        {
            case NoopAnswer.Immediate:
                _ = SendNoopOkAsync(connection, tag, TimeSpan.Zero);
                break;
            case NoopAnswer.Delayed:
                _ = SendNoopOkAsync(connection, tag, NoopDelay);
                break;
            case NoopAnswer.Never:
                break;
        }
    }

    private async Task SendNoopOkAsync(Connection connection, string tag, TimeSpan delay)
    {
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _stop.Token);
            }

            var output = new ArrayBufferWriter<byte>();
            lock (_lock)
            {
                foreach (var record in _beforeNoopOk)
                {
                    WriteRecord(output, connection.UpdateTag!, record);
                }

                _beforeNoopOk.Clear();
            }

            ResponseWriter.WriteStatus(output, tag, ResponseStatus.Ok, "NOOP complete");
            Interlocked.Increment(ref _noopsAnswered);
            await connection.SendAsync(output.WrittenMemory);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException
            or OperationCanceledException)
        {
            // The connection closed before the OK was due.
        }
    }

    /// <summary>One slave connection: a command reader and a send lock that keeps lines whole.</summary>
    private sealed class Connection(Socket socket) : IDisposable
    {
        private readonly SemaphoreSlim _sendLock = new(1, 1);
        private byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;
        private volatile string? _updateTag;

        /// <summary>The tag of the UPDATE whose dump was sent, or null before that.</summary>
        public string? UpdateTag
        {
            get => _updateTag;
            set => _updateTag = value;
        }

        public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

        public async Task SendAsync(ReadOnlyMemory<byte> data, Action? afterSend = null)
        {
            await _sendLock.WaitAsync();
            try
            {
                await socket.SendAsync(data, SocketFlags.None);
                afterSend?.Invoke();
            }
            finally
            {
                _sendLock.Release();
            }
        }

        public void Close()
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Already closed by the peer or by an earlier call.
            }

            socket.Dispose();
        }

        public void Dispose()
        {
            Close();
            _sendLock.Dispose();
        }

        /// <summary>
        /// Reads one command and splits it into the tag, the verb and the arguments, with quoted
        /// strings unescaped and <c>{n+}</c> or <c>{n}</c> literals read whole. Null at the end of the stream.
        /// </summary>
        public async Task<List<string>?> ReadCommandAsync(CancellationToken token)
        {
            var words = new List<string>();
            while (true)
            {
                if (await ReadLineAsync(token) is not { } line)
                {
                    return null;
                }

                var literal = Tokenize(line, words);
                if (literal.Length < 0)
                {
                    return words;
                }

                if (!literal.NonSynchronizing)
                {
                    await SendAsync("+ \"go ahead\"\r\n");
                }

                words.Add(Encoding.UTF8.GetString(await ReadExactAsync(literal.Length, token)));
            }
        }

        private static (int Length, bool NonSynchronizing) Tokenize(string line, List<string> words)
        {
            var i = 0;
            while (i < line.Length)
            {
                if (line[i] == ' ')
                {
                    i++;
                }
                else if (line[i] == '"')
                {
                    var text = new StringBuilder();
                    i++;
                    while (i < line.Length && line[i] != '"')
                    {
                        if (line[i] == '\\' && i + 1 < line.Length)
                        {
                            i++;
                        }

                        text.Append(line[i]);
                        i++;
                    }

                    words.Add(text.ToString());
                    i++;
                }
                else if (line[i] == '{' && line.EndsWith('}'))
                {
                    var inner = line[(i + 1)..^1];
                    var nonSynchronizing = inner.EndsWith('+');
                    var digits = nonSynchronizing ? inner[..^1] : inner;
                    return (int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), nonSynchronizing);
                }
                else
                {
                    var space = line.IndexOf(' ', i);
                    var end = space < 0 ? line.Length : space;
                    words.Add(line[i..end]);
                    i = end;
                }
            }

            return (-1, false);
        }

        private async Task<string?> ReadLineAsync(CancellationToken token)
        {
            while (true)
            {
                var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    var length = lf - _start;
                    if (length > 0 && _buffer[lf - 1] == (byte)'\r')
                    {
                        length--;
                    }

                    var line = Encoding.UTF8.GetString(_buffer, _start, length);
                    _start = lf + 1;
                    return line;
                }

                if (!await FillAsync(token))
                {
                    return null;
                }
            }
        }

        private async Task<byte[]> ReadExactAsync(int count, CancellationToken token)
        {
            while (_end - _start < count)
            {
                if (!await FillAsync(token))
                {
                    throw new EndOfStreamException($"the slave closed the connection in a literal of {count} bytes");
                }
            }

            var bytes = _buffer.AsSpan(_start, count).ToArray();
            _start += count;
            return bytes;
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, token);
            _end += read;
            return read > 0;
        }
    }
}
