using System.Diagnostics;
using System.Text;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>Connection, size and time limits: each ends only the connection that passed it.</summary>
public sealed class LimitTests
{
    [Fact(Timeout = 15_000)]
    public async Task ConnectionOverLimitGetsServerUnable()
    {
        await using var server = await TestServer.StartAsync(o => o with { ConnectionsMax = 3 });
        var open = new List<RawConnection>();
        for (var i = 0; i < 3; i++)
        {
            open.Add(await server.ConnectRawAsync());
        }

        await using var refused = await server.ConnectRawAsync(readBanner: false);
        var refusal = await refused.ReadToEndAsync();
        foreach (var connection in open)
        {
            await connection.LoginAsync();
            await connection.SendAsync("N1 NOOP\r\n");
            Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
        }

        await open[0].DisposeAsync();
        var banner = await ConnectWhenFreeAsync(server);

        Assert.Equal("* BYE \"Server Unable\"\r\n", Encoding.ASCII.GetString(refusal));
        // Cyrus 3.6 sends a NUL byte after the line as well (24 bytes); this server does not.
        Assert.Equal(23, refusal.Length);
        Assert.StartsWith("* OK MUPDATE ", banner[^1], StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task OversizedNonSyncLiteralClosesConnection()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 FIND {200000+}\r\n");
        var bye = await connection.ReadLineAsync();
        var rest = await connection.ReadToEndAsync();
        await using var next = await server.LoginRawAsync();
        await next.SendAsync("N1 NOOP\r\n");

        Assert.Equal("* BYE \"literal of 200000 bytes is larger than the limit of 131072\"", bye);
        Assert.Empty(rest);
        Assert.Equal("N1 OK \"Noop done\"", await next.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task OversizedSyncLiteralIsBadWithoutGoAhead()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 FIND {200000}\r\n");
        var bad = await connection.ReadLineAsync();
        var silent = await connection.StaysSilentAsync(TimeSpan.FromMilliseconds(100));
        await connection.SendAsync("N1 NOOP\r\n");

        Assert.Equal("A1 BAD \"literal of 200000 bytes is larger than the limit of 131072\"", bad);
        Assert.True(silent, "the server sent a go-ahead or more after the BAD");
        Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 15_000)]
    public async Task OverLongLineSaysBye()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var maxCommand = ProtocolLimits.Default.MaxCommand;
        var line = Encoding.ASCII.GetBytes("A1 FIND \"" + new string('x', maxCommand - 8));

        await connection.SendAsync(line);
        var bye = await connection.ReadLineAsync();
        var rest = await connection.ReadToEndAsync();
        await using var next = await server.LoginRawAsync();

        Assert.Equal(maxCommand + 1, line.Length);
        Assert.Equal($"* BYE \"command longer than {maxCommand} bytes\"", bye);
        Assert.Empty(rest);
        Assert.Equal(0, server.Store.Revision);
    }

    [Fact(Timeout = 10_000)]
    public async Task SmallLimitsApplyToEachElement()
    {
        var limits = new ProtocolLimits(MaxWord: 64, MaxQuoted: 256, MaxLiteral: 1024, MaxCommand: 4096);
        await using var server = await TestServer.StartAsync(o => o with { Limits = limits });
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync($"F1 FIND \"{new string('q', 257)}\"\r\n");
        var quoted = await connection.ReadLineAsync();
        await connection.SendAsync($"{new string('t', 65)} NOOP\r\n");
        var tag = await connection.ReadLineAsync();
        await connection.SendAsync("F2 FIND {1025}\r\n");
        var literal = await connection.ReadLineAsync();
        await connection.SendAsync($"F3 FIND {{1024+}}\r\n{new string('l', 1024)}\r\n");
        var fits = await connection.ReadLineAsync();

        Assert.Equal("F1 BAD \"quoted string longer than 256 bytes; send it as a literal\"", quoted);
        Assert.Equal("* BAD \"tag too long\"", tag);
        Assert.Equal("F2 BAD \"literal of 1025 bytes is larger than the limit of 1024\"", literal);
        Assert.Equal("F3 OK \"Search completed\"", fits);
    }

    [Fact(Timeout = 10_000)]
    public async Task LoginTimeoutCountsFromConnect()
    {
        var loginTimeout = TimeSpan.FromMilliseconds(700);
        await using var server = await TestServer.StartAsync(o => o with { LoginTimeout = loginTimeout });
        var watch = Stopwatch.StartNew();
        await using var connection = await server.ConnectRawAsync();

        await Task.Delay(300);
        await connection.SendAsync("N1 NOOP\r\n");
        var noop = await connection.ReadLineAsync();
        var bye = await connection.ReadLineAsync();
        var elapsed = watch.Elapsed;
        var rest = await connection.ReadToEndAsync();

        Assert.Equal("N1 NO \"Please login first\"", noop);
        Assert.Equal("* BYE \"login timed out\"", bye);
        Assert.InRange(elapsed, loginTimeout - TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(3));
        Assert.Empty(rest);
    }

    [Fact(Timeout = 10_000)]
    public async Task LoginTimeoutDuringSaslExchange()
    {
        await using var server = await TestServer.StartAsync(o => o with { LoginTimeout = TimeSpan.FromMilliseconds(500) });
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("A1 AUTHENTICATE \"SCRAM-SHA-256\"\r\n");
        var challenge = await connection.ReadLineBytesAsync();
        var bye = await connection.ReadLineAsync();

        Assert.Empty(challenge);
        Assert.Equal("* BYE \"login timed out\"", bye);
        Assert.Empty(await connection.ReadToEndAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task IdleTimeoutAfterLastCommand()
    {
        var idleTimeout = TimeSpan.FromMilliseconds(600);
        await using var server = await TestServer.StartAsync(o => o with { IdleTimeout = idleTimeout });
        await using var connection = await server.LoginRawAsync();

        await Task.Delay(400);
        await connection.SendAsync("N1 NOOP\r\n");
        var noop = await connection.ReadLineAsync();
        var sinceNoop = Stopwatch.StartNew();
        var bye = await connection.ReadLineAsync();
        var elapsed = sinceNoop.Elapsed;

        Assert.Equal("N1 OK \"Noop done\"", noop);
        Assert.Equal("* BYE \"idle for too long\"", bye);
        Assert.InRange(elapsed, idleTimeout - TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(3));
        Assert.Empty(await connection.ReadToEndAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task IdleTimeoutEndsStream()
    {
        await using var server = await TestServer.StartAsync(o => o with { IdleTimeout = TimeSpan.FromMilliseconds(500) });
        var (stream, _) = await server.StreamRawAsync();

        Assert.Equal("* BYE \"idle for too long\"", await stream.ReadLineAsync());
        Assert.Empty(await stream.ReadToEndAsync());
        Assert.Equal(0, server.Store.SubscriberCount);
    }

    [Fact(Timeout = 15_000)]
    public async Task WriteTimeoutClosesClientThatStopsReading()
    {
        await using var server = await TestServer.StartAsync(o => o with { WriteTimeout = TimeSpan.FromMilliseconds(500) });
        var acl = new string('a', 8000);
        await Task.WhenAll(Enumerable.Range(0, 600).Select(i =>
            server.Store.WriteAsync(WriteRequest.Activate($"user.big{i:000}", "be1!p", acl))));
        await using var stuck = await server.LoginRawAsync(receiveBufferSize: 2048);
        await using var other = await server.LoginRawAsync();

        await stuck.SendAsync("L1 LIST\r\n");
        var closedWithoutReading = await TestServer.WaitUntilAsync(
            () => server.Logs.Entries.Any(IsWriteTimeoutClose), TimeSpan.FromSeconds(5));
        await other.SendAsync("N1 NOOP\r\n");

        Assert.True(closedWithoutReading, "the session of the client that stopped reading is still open");
        Assert.Equal("N1 OK \"Noop done\"", await other.ReadLineAsync());
        Assert.True((await stuck.ReadToEndAsync()).Length < 600 * acl.Length, "the stuck client got the whole list");
    }

    private static bool IsWriteTimeoutClose(LogEntry entry) =>
        entry.EventId == 2001 && entry.Message.Contains("(write timeout)", StringComparison.Ordinal);

    /// <summary>Connects until the server has a free slot again and returns the banner.</summary>
    private static async Task<IReadOnlyList<string>> ConnectWhenFreeAsync(TestServer server)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var connection = await server.ConnectRawAsync(readBanner: false);
            var banner = await connection.ReadBannerAsync();
            if (!banner[^1].StartsWith("* BYE ", StringComparison.Ordinal) || watch.Elapsed > TimeSpan.FromSeconds(3))
            {
                return banner;
            }

            await Task.Delay(20);
        }
    }
}
