using System.Net.Sockets;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// A bare line-by-line TCP connection to a MUPDATE server. It exists because the product's client
/// cannot wait for an unsolicited <c>* BYE</c> outside an UPDATE stream, nor show that the server
/// closed the connection after it. Everything else goes through <c>MupdateClient</c>.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RawConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>. A small
    /// <paramref name="receiveBufferSize"/> (bytes, set before the connect so that it limits the TCP
    /// window) makes the server's writes block sooner when this side does not read.
    /// </summary>
    /// <summary>The local port of the connection, which is the remote port on the server's side.</summary>
    public int LocalPort => ((System.Net.IPEndPoint)_tcp.Client.LocalEndPoint!).Port;

    public static async Task<RawConnection> ConnectAsync(
        string host, int port, CancellationToken cancellationToken, int? receiveBufferSize = null)
    {
        var tcp = new TcpClient { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            tcp.ReceiveBufferSize = size;
        }

        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new RawConnection(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one line without its line end, or returns null when the server closed the connection.
    /// Throws <see cref="TimeoutException"/> when no line arrives within <paramref name="timeout"/>.
    /// </summary>
    public async Task<string?> ReadLineAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await _reader.ReadLineAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no line from the server within {timeout.TotalSeconds:F1} s");
        }
        catch (IOException)
        {
            // A reset after the server's close counts as the end of the stream.
            return null;
        }
    }

    /// <summary>Reads the banner lines up to and including the <c>* OK</c> or <c>* BYE</c> line.</summary>
    public async Task<IReadOnlyList<string>> ReadBannerAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(timeout, cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"connection closed during the banner; received: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.StartsWith("* OK", StringComparison.Ordinal) || line.StartsWith("* BYE", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>Reads every line until the server closes the connection.</summary>
    public async Task<IReadOnlyList<string>> ReadToEndAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (await ReadLineAsync(timeout, cancellationToken).ConfigureAwait(false) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    public async Task WriteLineAsync(string line, CancellationToken cancellationToken) =>
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), cancellationToken).ConfigureAwait(false);

    /// <summary>Logs in with PLAIN (initial response as a quoted string) and throws unless the reply is OK.</summary>
    public async Task LoginPlainAsync(string user, string password, CancellationToken cancellationToken)
    {
        var initial = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        await WriteLineAsync($"A01 AUTHENTICATE \"PLAIN\" \"{initial}\"", cancellationToken).ConfigureAwait(false);
        var reply = await ReadLineAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        if (reply is null || !reply.StartsWith("A01 OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"PLAIN login as {user} failed: {reply ?? "(connection closed)"}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
