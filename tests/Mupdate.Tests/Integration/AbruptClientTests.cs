using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>Clients that close early, reset the connection or send oversized SASL lines.</summary>
public sealed class AbruptClientTests
{
    [Fact(Timeout = 10_000)]
    public async Task HalfClosedClientStillGetsAnswers()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.h", "be1!p", ""));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, server.Port);

        var plain = TestServer.PlainResponse(TestServer.AdminUser, TestServer.AdminPassword);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"A1 AUTHENTICATE \"PLAIN\" \"{plain}\"\r\nL1 LIST\r\n"));
        socket.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(RawConnection.DefaultTimeout);
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        Assert.EndsWith(
            "A1 OK \"Authenticated\"\r\nL1 MAILBOX \"user.h\" \"be1!p\" \"\"\r\nL1 OK \"list complete\"\r\n",
            text,
            StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task PipelineAfterUpdateIsAnsweredAfterDump()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Reserve("user.p", "be1!p"));
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("U1 UPDATE\r\nN1 NOOP\r\nF1 FIND \"user.p\"\r\nQ1 LOGOUT\r\n");
        var lines = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            lines.Add(await connection.ReadLineAsync());
        }

        Assert.Equal(
            [
                "U1 RESERVE \"user.p\" \"be1!p\"",
                "U1 OK \"streaming starts\"",
                "N1 OK \"Noop done\"",
                "F1 BAD \"not legal when streaming\"",
                "Q1 BYE \"bye-bye\"",
            ],
            lines);
        Assert.Empty(await connection.ReadToEndAsync());
    }

    [Fact(Timeout = 15_000)]
    public async Task ResetStreamsLeaveServerClean()
    {
        await using var server = await TestServer.StartAsync();
        await using var writer = await server.LoginClientAsync();
        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await writer.ActivateAsync($"user.x{i:000}", "be1!p", new string('a', 500));
            }
        });

        for (var i = 0; i < 20; i++)
        {
            // Linger 0 makes the close a reset, as when a client process dies.
            var (stream, _) = await server.StreamRawAsync();
            await stream.ResetAsync();
        }

        await writes;
        var unsubscribed = await TestServer.WaitUntilAsync(() => server.Store.SubscriberCount == 0, TimeSpan.FromSeconds(5));

        Assert.True(unsubscribed, $"{server.Store.SubscriberCount} subscribers left");
        Assert.Equal(300, server.Store.Revision);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact(Timeout = 10_000)]
    public async Task ResetDuringWriteStillCommits()
    {
        await using var server = await TestServer.StartAsync();
        var connection = await server.LoginRawAsync();

        await connection.SendAsync(string.Concat(Enumerable.Range(0, 50).Select(i => $"A{i} ACTIVATE \"user.r{i}\" \"be1!p\" \"\"\r\n")));
        await connection.ReadLineAsync();
        await connection.ResetAsync();
        var closed = await TestServer.WaitUntilAsync(() => server.Server.SessionCount == 0, TimeSpan.FromSeconds(5));

        Assert.True(closed, $"{server.Server.SessionCount} sessions left");
        Assert.NotNull(server.Store.Find("user.r0"));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact(Timeout = 10_000)]
    public async Task OverlongSaslLineGetsNo()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("A1 AUTHENTICATE \"PLAIN\"\r\n");
        await connection.ReadLineBytesAsync();
        await connection.SendAsync(new string('A', 30_000) + "\r\n");
        var refusal = await connection.ReadLineAsync();
        var plain = TestServer.PlainResponse(TestServer.AdminUser, TestServer.AdminPassword);
        await connection.SendAsync($"A2 AUTHENTICATE \"PLAIN\" \"{plain}\"\r\n");

        Assert.Equal("A1 NO \"SASL response longer than 21848 bytes\"", refusal);
        Assert.Equal("A2 OK \"Authenticated\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task UnterminatedSaslLineSaysBye()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("A1 AUTHENTICATE \"PLAIN\"\r\n");
        await connection.ReadLineBytesAsync();
        await connection.SendAsync(new string('A', 21_849));

        Assert.Equal("* BYE \"SASL response longer than 21848 bytes\"", await connection.ReadLineAsync());
        Assert.Empty(await connection.ReadToEndAsync());
    }
}
