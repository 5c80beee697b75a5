using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Mupdate.Sasl;
using Mupdate.Server;
using Mupdate.Store;
using Mupdate.Tests.Integration;

namespace Mupdate.Tests.Server;

/// <summary>The listener of <see cref="MupdateServer"/>: binding, the connection limit's log and client addresses.</summary>
public sealed class MupdateServerTests : IAsyncDisposable
{
    private const int ListeningEvent = 1000;
    private const int StoppingEvent = 1001;
    private const int MoreRefusedEvent = 1010;
    private const int AcceptedEvent = 2000;
    private const int OverLimitEvent = 2002;

    private readonly string _directory = Directory.CreateTempSubdirectory("mupdate-server-").FullName;
    private readonly RecordingLoggerFactory _logs = new();
    private readonly FakeTimeProvider _clock = new();
    private readonly List<RawConnection> _connections = [];
    private SqliteMailboxStore? _store;
    private MupdateServer? _server;

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 20_000)]
    public async Task RefusalsOverLimitLogOncePerInterval()
    {
        var server = CreateServer(connectionsMax: 1);
        server.Start();
        await ConnectAsync(server);

        for (var i = 0; i < 20; i++)
        {
            await ConnectRefusedAsync(server);
        }

        var overLimitBefore = Count(OverLimitEvent);
        var summariesBefore = Count(MoreRefusedEvent);
        _clock.Advance(MupdateServer.RefusalLogInterval);
        var summary = Assert.Single(_logs.Entries, e => e.EventId == MoreRefusedEvent);

        Assert.Equal(1, overLimitBefore);
        Assert.Equal(0, summariesBefore);
        Assert.Equal("19 more connections refused since the previous message, because 1 connections were open "
            + "(mupdate_connections_max)", summary.Message);
    }

    [Fact(Timeout = 20_000)]
    public async Task RefusalAfterQuietIntervalIsLogged()
    {
        var server = CreateServer(connectionsMax: 1);
        server.Start();
        await ConnectAsync(server);
        await ConnectRefusedAsync(server);

        _clock.Advance(MupdateServer.RefusalLogInterval);
        await ConnectRefusedAsync(server);

        Assert.Equal(2, Count(OverLimitEvent));
        Assert.Equal(0, Count(MoreRefusedEvent));
    }

    [Fact(Timeout = 20_000)]
    public async Task StopReportsRefusalsNotYetLogged()
    {
        var server = CreateServer(connectionsMax: 1);
        server.Start();
        await ConnectAsync(server);
        for (var i = 0; i < 5; i++)
        {
            await ConnectRefusedAsync(server);
        }

        await server.StopAsync();

        var summary = Assert.Single(_logs.Entries, e => e.EventId == MoreRefusedEvent);
        Assert.StartsWith("4 more connections refused", summary.Message, StringComparison.Ordinal);
        Assert.Equal(1, Count(OverLimitEvent));
    }

    [Fact(Timeout = 20_000)]
    public async Task DualStackLogsIPv4ClientAsIPv4()
    {
        Assert.SkipUnless(Socket.OSSupportsIPv6, "this host has no IPv6, so there is no dual-stack socket");
        var server = CreateServer(connectionsMax: 1, new IPEndPoint(IPAddress.IPv6Any, 0));
        server.Start();

        await ConnectAsync(server);
        await ConnectRefusedAsync(server);

        var acceptedLog = Assert.Single(_logs.Entries, e => e.EventId == AcceptedEvent);
        var overLimitLog = Assert.Single(_logs.Entries, e => e.EventId == OverLimitEvent);
        Assert.Matches(@"^Connection 1 from 127\.0\.0\.1:\d+$", acceptedLog.Message);
        Assert.StartsWith("Connection from 127.0.0.1:", overLimitLog.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MappedAddressIsShownAsIPv4()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.7"), 4321);
        var native = new IPEndPoint(IPAddress.Parse("2001:db8::7"), 4321);

        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 4321), MupdateServer.ForLog(mapped));
        Assert.Same(native, MupdateServer.ForLog(native));
        Assert.Null(MupdateServer.ForLog(null));
    }

    [Fact(Timeout = 20_000)]
    public async Task FailedBindLogsNoListenOrStop()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var occupiedPort = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var server = CreateServer(
            connectionsMax: 10,
            new IPEndPoint(IPAddress.Loopback, 0),
            new IPEndPoint(IPAddress.Loopback, occupiedPort));

        Assert.Throws<SocketException>(server.Start);
        await server.StopAsync();

        Assert.Empty(server.LocalEndPoints);
        Assert.Equal(0, Count(ListeningEvent));
        Assert.Equal(0, Count(StoppingEvent));
    }

    [Fact(Timeout = 20_000)]
    public async Task StopAfterStartLogsStopping()
    {
        var server = CreateServer(connectionsMax: 10);
        server.Start();

        await server.StopAsync();

        Assert.Equal(1, Count(ListeningEvent));
        var stopping = Assert.Single(_logs.Entries, e => e.EventId == StoppingEvent);
        Assert.Equal("Stopped listening; closing 0 sessions", stopping.Message);
    }

    private MupdateServer CreateServer(int connectionsMax, params IPEndPoint[] listen)
    {
        _store = SqliteMailboxStore.Open(Path.Combine(_directory, "mupdate.sqlite3"));
        var credentials = CredentialFile.CreateEmpty(Path.Combine(_directory, "mupdate.credentials"));
        var policy = new LoginPolicy(credentials, new HashSet<string>(StringComparer.Ordinal), allowPlaintext: false);
        var options = new ServerOptions
        {
            ServerName = "mupdate.test",
            Listen = listen.Length > 0 ? listen : [new IPEndPoint(IPAddress.Loopback, 0)],
            ConnectionsMax = connectionsMax,
            ShutdownGrace = TimeSpan.Zero,
        };
        _server = new MupdateServer(options, _store, policy, _logs, _clock);
        return _server;
    }

    private async Task ConnectAsync(MupdateServer server)
    {
        var connection = await RawConnection.ConnectAsync(server.LocalEndPoints[0].Port);
        _connections.Add(connection);
        await connection.ReadBannerAsync();
    }

    // Returns once the server sent its BYE and closed, so the refusal has been logged.
    private static async Task ConnectRefusedAsync(MupdateServer server)
    {
        await using var connection = await RawConnection.ConnectAsync(server.LocalEndPoints[0].Port);
        var bytes = await connection.ReadToEndAsync();
        Assert.Equal("* BYE \"Server Unable\"\r\n", System.Text.Encoding.ASCII.GetString(bytes));
    }

    private int Count(int eventId) => _logs.Entries.Count(e => e.EventId == eventId);
}
