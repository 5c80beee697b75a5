using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Client;

/// <summary>
/// A client of an MUPDATE server (RFC 3656): connects, reads the banner, logs in with SASL and runs
/// commands one at a time. Used by the slave's replicator, the tests and the benchmark. Not thread
/// safe: one caller at a time, except that <see cref="UpdateAsync"/> hands reading to its stream.
/// </summary>
public sealed partial class MupdateClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly PipeReader _input;
    private readonly MupdateClientOptions _options;
    private int _nextTag;

    private MupdateClient(Socket socket, MupdateClientOptions options)
    {
        _socket = socket;
        _options = options;
        _network = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_network, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
    }

    public ServerBanner Banner { get; private set; } = ServerBanner.Empty;

    /// <summary>The authorization id of the session after a successful login.</summary>
    public string? User { get; private set; }

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and reads the banner.</summary>
    public static async Task<MupdateClient> ConnectAsync(
        string host,
        int port,
        MupdateClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new MupdateClientOptions();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new MupdateProtocolException($"connecting to {host}:{port} timed out after {options.ConnectTimeout.TotalSeconds:0} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new MupdateClient(socket, options);
        try
        {
            client.Banner = await client.ReadBannerAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<MailboxRecord?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        var tag = await SendAsync("FIND", [name], cancellationToken).ConfigureAwait(false);
        MailboxRecord? found = null;
        await ReadUntilDoneAsync(tag, r => found = ToRecord(r) ?? found, cancellationToken).ConfigureAwait(false);
        return found;
    }

    public async Task<IReadOnlyList<MailboxRecord>> ListAsync(string? locationPrefix = null, CancellationToken cancellationToken = default)
    {
        var tag = await SendAsync("LIST", locationPrefix is null ? [] : [locationPrefix], cancellationToken).ConfigureAwait(false);
        var records = new List<MailboxRecord>();
        await ReadUntilDoneAsync(tag, r =>
        {
            if (ToRecord(r) is { } record)
            {
                records.Add(record);
            }
        }, cancellationToken).ConfigureAwait(false);
        return records;
    }

    public Task ActivateAsync(string name, string location, string acl, CancellationToken cancellationToken = default) =>
        RunAsync("ACTIVATE", [name, location, acl], cancellationToken);

    public Task ReserveAsync(string name, string location, CancellationToken cancellationToken = default) =>
        RunAsync("RESERVE", [name, location], cancellationToken);

    public Task DeactivateAsync(string name, string location, CancellationToken cancellationToken = default) =>
        RunAsync("DEACTIVATE", [name, location], cancellationToken);

    public Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync("DELETE", [name], cancellationToken);

    public Task NoopAsync(CancellationToken cancellationToken = default) => RunAsync("NOOP", [], cancellationToken);

    /// <summary>Sends LOGOUT and waits for the tagged reply (BYE, or Cyrus's OK) or the close.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        var tag = await SendAsync("LOGOUT", [], cancellationToken).ConfigureAwait(false);
        while (await TryReadResponseAsync(cancellationToken).ConfigureAwait(false) is { } response)
        {
            if (response.Tag == tag)
            {
                return;
            }
        }
    }

    /// <summary>Runs a command whose only response is a tagged status; NO and BAD throw.</summary>
    public async Task<ServerResponse> RunAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var tag = await SendAsync(command, arguments, cancellationToken).ConfigureAwait(false);
        return await ReadUntilDoneAsync(tag, _ => { }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync().ConfigureAwait(false);
        await _network.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    internal static MailboxRecord? ToRecord(ServerResponse response) => response.Word switch
    {
        "MAILBOX" when response.Arguments.Count == 3 =>
            MailboxRecord.Active(response.Arguments[0], response.Arguments[1], response.Arguments[2]),
        "RESERVE" when response.Arguments.Count == 2 =>
            MailboxRecord.Reserved(response.Arguments[0], response.Arguments[1]),
        _ => null,
    };

    private async Task<ServerBanner> ReadBannerAsync(CancellationToken cancellationToken)
    {
        var lines = new List<ServerResponse>();
        while (true)
        {
            var response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            lines.Add(response);
            if (response is { IsUntagged: true, Word: "BYE" })
            {
                throw new MupdateCommandException(response, "server refused the connection");
            }

            if (response is { IsUntagged: true, Word: "OK" })
            {
                return ServerBanner.From(lines);
            }
        }
    }

    /// <summary>
    /// Reads responses until the tagged status for <paramref name="tag"/>, passing the others to
    /// <paramref name="onData"/>. NO and BAD throw <see cref="MupdateCommandException"/>.
    /// </summary>
    private async Task<ServerResponse> ReadUntilDoneAsync(string tag, Action<ServerResponse> onData, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsUntagged && response.Word == "BYE")
            {
                throw new MupdateCommandException(response, "server closed the session");
            }

            if (response.Tag != tag)
            {
                continue;
            }

            if (!response.IsStatus)
            {
                onData(response);
                continue;
            }

            return response.Word == "OK" ? response : throw new MupdateCommandException(response);
        }
    }

    private string NextTag() => "X" + Interlocked.Increment(ref _nextTag).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends a command; strings go quoted when they can, else as <c>{n+}</c> literals.</summary>
    private async Task<string> SendAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var tag = NextTag();
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write(Encoding.ASCII.GetBytes(tag + " " + command));
        foreach (var argument in arguments)
        {
            buffer.Write(" "u8);
            WriteArgument(buffer, argument);
        }

        buffer.Write("\r\n"u8);
        await WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return tag;
    }

    internal static void WriteArgument(IBufferWriter<byte> buffer, string argument)
    {
        if (ResponseWriter.IsQuotable(argument))
        {
            ResponseWriter.WriteQuoted(buffer, argument);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(argument);
        buffer.Write(Encoding.ASCII.GetBytes("{" + bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "+}\r\n"));
        buffer.Write(bytes);
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ResponseTimeout);
        try
        {
            await _network.WriteAsync(data, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MupdateProtocolException($"sending to the server timed out after {_options.ResponseTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<ServerResponse> ReadResponseAsync(CancellationToken cancellationToken) =>
        await TryReadResponseAsync(cancellationToken).ConfigureAwait(false)
        ?? throw new MupdateProtocolException("server closed the connection");

    /// <summary>Reads one response; null at the end of the stream.</summary>
    internal async Task<ServerResponse?> TryReadResponseAsync(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? _options.ResponseTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MupdateTimeoutException(
                    $"no response from the server within {(timeout ?? _options.ResponseTimeout).TotalSeconds:0} s");
            }

            var buffer = result.Buffer;
            var consumed = Parse(buffer, out var response);
            if (response is not null)
            {
                _input.AdvanceTo(buffer.GetPosition(consumed));
                return response;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private int Parse(ReadOnlySequence<byte> buffer, out ServerResponse? response)
    {
        try
        {
            if (buffer.IsSingleSegment)
            {
                return ResponseParser.TryParse(buffer.FirstSpan, _options.MaxResponseSize, out response);
            }

            // Most responses fit in the first segment. Only one that spans segments is copied, and at
            // most the largest response allowed, so a long dump is not copied over and over.
            var first = buffer.FirstSpan;
            if (first.Length <= _options.MaxResponseSize)
            {
                var consumed = ResponseParser.TryParse(first, _options.MaxResponseSize, out response);
                if (response is not null)
                {
                    return consumed;
                }
            }

            var window = buffer.Slice(0, Math.Min(buffer.Length, (long)_options.MaxResponseSize + 1));
            return ResponseParser.TryParse(window.ToArray(), _options.MaxResponseSize, out response);
        }
        catch (InvalidDataException exception)
        {
            throw new MupdateProtocolException(exception.Message);
        }
    }
}
