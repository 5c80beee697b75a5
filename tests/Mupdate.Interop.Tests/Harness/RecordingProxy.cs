using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

public enum ProxyDirection
{
    /// <summary>Sent by the peer that connected to the proxy (a slave, ctl_mboxlist).</summary>
    ClientToServer,

    /// <summary>Sent by the server behind the proxy (the master under test).</summary>
    ServerToClient,
}

/// <summary>One protocol line seen by the proxy, without its line end.</summary>
public sealed record ProxyLine(int Connection, ProxyDirection Direction, TimeSpan At, string Text)
{
    public override string ToString() =>
        $"[{At.TotalSeconds,8:F3}] #{Connection} {(Direction == ProxyDirection.ClientToServer ? "C>" : "S>")} "
        + Text.Replace("\t", "\\t", StringComparison.Ordinal);
}

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards every byte to a target and records each line in
/// both directions, so a test can see what a Cyrus peer really sent (its SASL mechanism, how
/// many commands a push needed).
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable, IDiagnosticsSource
{
    private readonly TcpListener _listener;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly ConcurrentQueue<ProxyLine> _lines = new();
    private readonly ConcurrentBag<TcpClient> _sockets = [];
    private readonly ConcurrentBag<Task> _pumps = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _acceptLoop;
    private int _connections;
    private volatile bool _refusesNewConnections;

    private RecordingProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public string Host { get; } = LoopbackPorts.Host;

    public int Port { get; }

    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>
    /// Whether the proxy closes each new connection at once, before it connects to the target, so the
    /// peer reads the end of the stream before any banner. Connections already relayed stay open.
    /// </summary>
    public bool RefusesNewConnections
    {
        get => _refusesNewConnections;
        set => _refusesNewConnections = value;
    }

    public IReadOnlyList<ProxyLine> Lines => [.. _lines];

    public static RecordingProxy Start(string targetHost, int targetPort) => new(targetHost, targetPort);

    /// <summary>The lines the client sent on connection <paramref name="connection"/> (1-based).</summary>
    public IReadOnlyList<string> ClientLines(int connection) =>
        [.. _lines.Where(line => line.Connection == connection && line.Direction == ProxyDirection.ClientToServer)
            .Select(line => line.Text)];

    public string CollectDiagnostics()
    {
        var lines = Lines;
        var excerpt = lines.Count <= 80 ? lines : [.. lines.Take(40), .. lines.TakeLast(40)];
        return $"proxy 127.0.0.1:{Port} -> {_targetHost}:{_targetPort}: {ConnectionCount} connections, {lines.Count} lines"
            + (excerpt.Count < lines.Count ? " (first and last 40)" : "") + "\n"
            + string.Join('\n', excerpt.Select(line => DiagnosticText.Tail(line.ToString(), 300)));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        try
        {
            await Task.WhenAll([_acceptLoop, .. _pumps]).ConfigureAwait(false);
        }
        catch (Exception ex)
            when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Pumps end with these once their sockets are closed under them.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var connection = Interlocked.Increment(ref _connections);
            if (_refusesNewConnections)
            {
                _lines.Enqueue(new ProxyLine(connection, ProxyDirection.ServerToClient, _clock.Elapsed, "<refused>"));
                client.Dispose();
                continue;
            }

            _sockets.Add(client);
            _pumps.Add(RelayAsync(client, connection));
        }
    }

    private async Task RelayAsync(TcpClient client, int connection)
    {
        var server = new TcpClient { NoDelay = true };
        _sockets.Add(server);
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            var note = $"<connect failed: {ex.Message}>";
            _lines.Enqueue(new ProxyLine(connection, ProxyDirection.ServerToClient, _clock.Elapsed, note));
            client.Dispose();
            return;
        }

        var upstream = PumpAsync(client, server, connection, ProxyDirection.ClientToServer);
        var downstream = PumpAsync(server, client, connection, ProxyDirection.ServerToClient);
        await Task.WhenAny(upstream, downstream).ConfigureAwait(false);

        // One side closed: close both, as a TCP peer of the master would see it.
        client.Dispose();
        server.Dispose();
        await Task.WhenAll(upstream, downstream).ConfigureAwait(false);
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, int connection, ProxyDirection direction)
    {
        var buffer = new byte[64 * 1024];
        var pending = new MemoryStream();
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            while (true)
            {
                var read = await input.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await output.WriteAsync(buffer.AsMemory(0, read), _stop.Token).ConfigureAwait(false);
                Record(buffer.AsSpan(0, read), pending, connection, direction);
            }
        }
        catch (Exception ex)
            when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The other pump or DisposeAsync closed the sockets.
        }

        if (pending.Length > 0)
        {
            Enqueue(pending, connection, direction);
        }

        _lines.Enqueue(new ProxyLine(connection, direction, _clock.Elapsed, "<EOF>"));
    }

    private void Record(ReadOnlySpan<byte> data, MemoryStream pending, int connection, ProxyDirection direction)
    {
        while (data.Length > 0)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                pending.Write(data);
                return;
            }

            pending.Write(data[..newline]);
            Enqueue(pending, connection, direction);
            data = data[(newline + 1)..];
        }
    }

    private void Enqueue(MemoryStream pending, int connection, ProxyDirection direction)
    {
        var text = Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length).TrimEnd('\r');
        _lines.Enqueue(new ProxyLine(connection, direction, _clock.Elapsed, text));
        pending.SetLength(0);
    }
}
