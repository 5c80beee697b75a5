using System.Diagnostics;
using System.Net.Sockets;

namespace Mupdate.Tests.Integration;

/// <summary><see cref="Mupdate.Server.MupdateServer.StopAsync"/> sends BYE to every client, whatever its state, and closes.</summary>
public sealed class ShutdownTests
{
    private const string ShuttingDown = "* BYE \"server shutting down\"";

    [Fact(Timeout = 15_000)]
    public async Task StopSaysByeToEveryClient()
    {
        await using var server = await TestServer.StartAsync(o => o with { ShutdownGrace = TimeSpan.FromSeconds(5) });
        var idle = await server.ConnectRawAsync();
        var authenticated = await server.LoginRawAsync();
        var (streaming, _) = await server.StreamRawAsync();
        var midCommand = await server.LoginRawAsync();
        await midCommand.SendAsync("F1 FIND \"user.");
        var midLiteral = await server.LoginRawAsync();
        await midLiteral.SendAsync("A1 ACTIVATE {8}\r\n");
        Assert.Equal("+ \"go ahead\"", await midLiteral.ReadLineAsync());
        var midSasl = await server.ConnectRawAsync();
        await midSasl.SendAsync("A1 AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Empty(await midSasl.ReadLineBytesAsync());
        await Task.Delay(100);

        var watch = Stopwatch.StartNew();
        await server.Server.StopAsync();
        var stopped = watch.Elapsed;

        foreach (var (name, connection) in new[]
        {
            ("idle", idle),
            ("authenticated", authenticated),
            ("streaming", streaming),
            ("in a command", midCommand),
            ("in a literal", midLiteral),
            ("in a SASL exchange", midSasl),
        })
        {
            var line = await connection.ReadLineAsync();
            var rest = await connection.ReadToEndAsync();

            Assert.True(line == ShuttingDown, $"{name} client got {line}");
            Assert.Empty(rest);
        }

        Assert.True(stopped < TimeSpan.FromSeconds(3), $"StopAsync took {stopped}");
        Assert.Equal(0, server.Server.SessionCount);
        Assert.DoesNotContain(server.Logs.Entries, e => e.EventId == 1002);
    }

    [Fact(Timeout = 15_000)]
    public async Task StopDuringFailedLoginPauseSaysBye()
    {
        await using var server = await TestServer.StartAsync(o => o with { FailedLoginPause = TimeSpan.FromSeconds(5) });
        var connection = await server.ConnectRawAsync();
        var wrong = TestServer.PlainResponse(TestServer.AdminUser, "wrong");
        await connection.SendAsync($"A1 AUTHENTICATE \"PLAIN\" \"{wrong}\"\r\n");
        await Task.Delay(200);

        var watch = Stopwatch.StartNew();
        await server.Server.StopAsync();
        var stopped = watch.Elapsed;
        var line = await connection.ReadLineAsync();

        Assert.Equal(ShuttingDown, line);
        Assert.Empty(await connection.ReadToEndAsync());
        Assert.True(stopped < TimeSpan.FromSeconds(2), $"StopAsync took {stopped}");
    }

    [Fact(Timeout = 15_000)]
    public async Task StopLetsRunningWriteFinish()
    {
        await using var server = await TestServer.StartAsync();
        var connection = await server.LoginRawAsync();

        await connection.SendAsync(string.Concat(Enumerable.Range(0, 200).Select(i => $"A{i} ACTIVATE \"user.s{i}\" \"be1!p\" \"\"\r\n")));
        var lines = new List<string> { await connection.ReadLineAsync() };
        await server.Server.StopAsync();
        while (!connection.IsClosed)
        {
            try
            {
                lines.Add(await connection.ReadLineAsync());
            }
            catch (EndOfStreamException)
            {
                break;
            }
        }

        // The OKs come in pipeline order, and each acknowledged mailbox is in the store.
        var acknowledged = lines.SkipLast(1).ToArray();
        Assert.Equal(ShuttingDown, lines[^1]);
        Assert.Equal(Enumerable.Range(0, acknowledged.Length).Select(i => $"A{i} OK \"done\""), acknowledged);
        Assert.All(Enumerable.Range(0, acknowledged.Length), i => Assert.NotNull(server.Store.Find($"user.s{i}")));
    }

    [Fact(Timeout = 30_000)]
    public async Task StopRightAfterStartSucceeds()
    {
        for (var i = 0; i < 10; i++)
        {
            await using var server = await TestServer.StartAsync();

            // The accept loops may not have run yet when the listeners are closed.
            var stop = server.Server.StopAsync();
            await stop;

            Assert.True(stop.IsCompletedSuccessfully);
            Assert.Equal(0, server.Server.SessionCount);
        }
    }

    [Fact(Timeout = 15_000)]
    public async Task StoppedServerRefusesConnections()
    {
        await using var server = await TestServer.StartAsync();
        var port = server.Port;

        await server.Server.StopAsync();

        await Assert.ThrowsAnyAsync<SocketException>(() => RawConnection.ConnectAsync(port));
    }
}
