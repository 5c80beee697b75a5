using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mupdate.Tests.Integration;

/// <summary>
/// A client that reads a LIST or UPDATE dump very slowly, though steadily, is disconnected after the
/// dump timeout, so its snapshot cannot keep SQLite's write-ahead log from being recycled for ever.
/// </summary>
public sealed class DumpTimeoutTests
{
    [Theory(Timeout = 60_000)]
    [InlineData("L1 LIST", "LIST")]
    [InlineData("U1 UPDATE", "UPDATE")]
    public async Task SlowDumpReaderIsDisconnected(string command, string name)
    {
        // The write timeout is far longer than the test, so only the dump timeout can end the session.
        await using var server = await TestServer.StartAsync(o => o with
        {
            DumpTimeout = TimeSpan.FromSeconds(1),
            WriteTimeout = TimeSpan.FromMinutes(5),
        });
        var acl = string.Concat(Enumerable.Range(0, 256).Select(i => $"u{i:000}\tlr\t"));
        await using (var writer = await server.LoginClientAsync())
        {
            var writes = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                await using var client = await server.LoginClientAsync();
                for (var i = w; i < 16000; i += 8)
                {
                    await client.ActivateAsync($"user.d{i:0000}", "be1!p", acl);
                }
            }));
            await Task.WhenAll(writes);
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        var login = $"A1 AUTHENTICATE \"PLAIN\" \"{TestServer.PlainResponse(TestServer.AdminUser, TestServer.AdminPassword)}\"\r\n{command}\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(login), SocketFlags.None);

        // About 400 KB/s: the 32 MB dump, far more than the kernel buffers, would take over a minute.
        // The BYE itself cannot get past the megabytes already queued in the kernel, so the test
        // watches the server's side: the session must end soon after the timeout.
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (!stop.IsCancellationRequested)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                if (read == 0)
                {
                    return;
                }

                await Task.Delay(10, stop.Token);
            }
        });

        var watch = Stopwatch.StartNew();
        var ended = await TestServer.WaitUntilAsync(
            () => server.Logs.Entries.Any(entry => entry.Message.Contains($"{name} did not finish within 1 s", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30));
        var closed = await TestServer.WaitUntilAsync(() => server.Server.SessionCount == 0, TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => reader);

        Assert.True(ended, "the slow reader's dump was never ended; log: " + string.Join(" | ", server.Logs.Entries.TakeLast(10).Select(e => e.Message)));
        Assert.True(closed, "the slow reader's session is still open");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"ending the dump took {watch.Elapsed}");
    }
}
