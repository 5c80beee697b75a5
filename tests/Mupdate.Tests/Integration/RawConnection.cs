using System.Net;
using System.Net.Sockets;
using System.Text;
using Mupdate.Protocol;

namespace Mupdate.Tests.Integration;

/// <summary>
/// A plain TCP client for byte-exact checks and for clients that misbehave on purpose. It sends
/// exactly the bytes it is given, and every read waits at most a deadline and then throws
/// <see cref="TimeoutException"/> with what arrived so far.
/// </summary>
internal sealed class RawConnection : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _endOfStream;

    private RawConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Whether the server closed the connection (FIN or reset) and every byte before that was read.</summary>
    public bool IsClosed => _endOfStream && _start == _end;

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/>. A <paramref name="receiveBufferSize"/> is set
    /// before connecting, so the TCP window advertised to the server is small from the start.
    /// </summary>
    public static async Task<RawConnection> ConnectAsync(int port, int? receiveBufferSize = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (receiveBufferSize is { } size)
            {
                socket.ReceiveBufferSize = size;
            }

            using var timeout = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return new RawConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> data)
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        try
        {
            await _socket.SendAsync(data, SocketFlags.None, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server did not take {data.Length} bytes within {DefaultTimeout.TotalSeconds} s");
        }
    }

    /// <summary>Reads one line and returns its bytes without the line end (CRLF or LF).</summary>
    public async Task<byte[]> ReadLineBytesAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
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

                var line = _buffer.AsSpan(_start, length).ToArray();
                _start = lf + 1;
                return line;
            }

            await FillAsync("a line", deadline.Token);
        }
    }

    /// <summary>Reads one line as UTF-8 text without its line end.</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null) =>
        Encoding.UTF8.GetString(await ReadLineBytesAsync(timeout));

    /// <summary>Reads lines up to and including the banner's last line, <c>* OK MUPDATE ...</c>.</summary>
    public async Task<IReadOnlyList<string>> ReadBannerAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            lines.Add(line);
            if (line.StartsWith("* OK ", StringComparison.Ordinal) || line.StartsWith("* BYE ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>Reads one response, literals included, and returns it parsed and as the bytes that carried it.</summary>
    public async Task<WireResponse> ReadResponseAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var consumed = ResponseParser.TryParse(_buffer.AsSpan(_start, _end - _start), 16 * 1024 * 1024, out var response);
            if (response is not null)
            {
                var bytes = _buffer.AsSpan(_start, consumed).ToArray();
                _start += consumed;
                return new WireResponse(response, bytes);
            }

            await FillAsync("a response", deadline.Token);
        }
    }

    /// <summary>Reads responses until the tagged status for <paramref name="tag"/>, and returns all of them.</summary>
    public async Task<IReadOnlyList<WireResponse>> ReadUntilTaggedStatusAsync(string tag, TimeSpan? timeout = null)
    {
        var responses = new List<WireResponse>();
        while (true)
        {
            var response = await ReadResponseAsync(timeout);
            responses.Add(response);
            if (response.Response.Tag == tag && response.Response.IsStatus)
            {
                return responses;
            }
        }
    }

    /// <summary>Reads every byte up to the server's close; throws <see cref="TimeoutException"/> when it stays open.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (!_endOfStream)
        {
            await FillAsync("the end of the connection", deadline.Token);
        }

        var rest = _buffer.AsSpan(_start, _end - _start).ToArray();
        _start = _end;
        return rest;
    }

    /// <summary>Returns true when no byte arrives and the connection stays open for <paramref name="window"/>.</summary>
    public async Task<bool> StaysSilentAsync(TimeSpan window)
    {
        if (_start != _end || _endOfStream)
        {
            return false;
        }

        using var deadline = new CancellationTokenSource(window);
        try
        {
            await FillAsync("silence", deadline.Token);
            return false;
        }
        catch (TimeoutException)
        {
            return _start == _end && !_endOfStream;
        }
    }

    /// <summary>Logs in with PLAIN and an initial response, and checks the server's OK.</summary>
    public async Task LoginAsync(string user = TestServer.AdminUser, string password = TestServer.AdminPassword)
    {
        await SendAsync($"L1 AUTHENTICATE \"PLAIN\" \"{TestServer.PlainResponse(user, password)}\"\r\n");
        var line = await ReadLineAsync();
        if (line != "L1 OK \"Authenticated\"")
        {
            throw new InvalidOperationException($"login as {user} failed: {line}");
        }
    }

    /// <summary>Closes the connection with a TCP reset (linger 0), as when the client process dies.</summary>
    public ValueTask ResetAsync()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.CompletedTask;
        _socket.Dispose();
    }

    private async Task FillAsync(string expected, CancellationToken deadline)
    {
        if (_endOfStream)
        {
            throw new EndOfStreamException($"the server closed the connection before {expected}; unread: {Describe()}");
        }

        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            CompactOrGrow();
        }

        int read;
        try
        {
            read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, deadline);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {expected} from the server in time; unread: {Describe()}");
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            read = 0;
        }

        if (read == 0)
        {
            _endOfStream = true;
            return;
        }

        _end += read;
    }

    private void CompactOrGrow()
    {
        var length = _end - _start;
        var target = length * 2 > _buffer.Length ? new byte[_buffer.Length * 2] : _buffer;
        Buffer.BlockCopy(_buffer, _start, target, 0, length);
        _buffer = target;
        _start = 0;
        _end = length;
    }

    private string Describe()
    {
        var length = Math.Min(_end - _start, 200);
        return length == 0 ? "(nothing)" : Encoding.UTF8.GetString(_buffer, _start, length);
    }
}

/// <summary>A response as parsed, with the exact bytes that carried it.</summary>
internal sealed record WireResponse(ServerResponse Response, byte[] Bytes)
{
    public string Text => Encoding.UTF8.GetString(Bytes);
}
