using System.Diagnostics;

namespace Mupdate.Tests.Integration;

/// <summary>
/// A streaming client that stops reading: its bounded queue overflows and it is disconnected, while
/// writers and the other streams go on as if it were not there.
/// </summary>
public sealed class SlowStreamTests
{
    private const int StreamQueueMax = 64;
    private const int WritesPerWriter = 300;
    private const int Writers = 2;

    [Fact(Timeout = 30_000)]
    public async Task StuckStreamIsDisconnectedOthersUnharmed()
    {
        // The write timeout is far longer than the test, so only the overflow can end the stuck stream.
        await using var server = await TestServer.StartAsync(o => o with
        {
            StreamQueueMax = StreamQueueMax,
            WriteTimeout = TimeSpan.FromMinutes(5),
        });
        await using var stuck = await server.LoginRawAsync(receiveBufferSize: 2048);
        await stuck.SendAsync("U1 UPDATE\r\n");
        Assert.Equal("U1 OK \"streaming starts\"", await stuck.ReadLineAsync());
        var (healthy, _) = await server.StreamRawAsync();
        var healthyLines = Task.Run(async () =>
        {
            var lines = new List<string>();
            while (lines.Count < Writers * WritesPerWriter)
            {
                lines.Add((await healthy.ReadResponseAsync(TimeSpan.FromSeconds(10))).Response.Arguments[0]);
            }

            return lines;
        });

        // An 8 KiB ACL per change: the stuck client's socket buffers fill after a few hundred KiB.
        var acl = string.Concat(Enumerable.Range(0, 1024).Select(i => $"u{i % 100:00}\tlr\t"));
        var slowest = TimeSpan.Zero;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            await using var writer = await server.LoginClientAsync();
            var writerSlowest = TimeSpan.Zero;
            for (var i = 0; i < WritesPerWriter; i++)
            {
                var watch = Stopwatch.StartNew();
                await writer.ActivateAsync($"user.w{w}.m{i:000}", "be1!p", acl);
                writerSlowest = watch.Elapsed > writerSlowest ? watch.Elapsed : writerSlowest;
            }

            return writerSlowest;
        })).ToArray();
        foreach (var writerSlowest in await Task.WhenAll(writers))
        {
            slowest = writerSlowest > slowest ? writerSlowest : slowest;
        }

        var received = await healthyLines;

        // The stuck client still reads nothing: the server must end its session on its own.
        var endedWithoutReading = await TestServer.WaitUntilAsync(
            () => server.Logs.Entries.Any(IsOverflowEnd), TimeSpan.FromSeconds(5));
        var stuckRest = await stuck.ReadToEndAsync(TimeSpan.FromSeconds(10));
        await healthy.SendAsync("N1 NOOP\r\n");
        var noop = await healthy.ReadLineAsync();

        Assert.True(slowest < TimeSpan.FromSeconds(2), $"a write took {slowest}");
        Assert.Equal(Writers * WritesPerWriter, received.Count);
        Assert.Equal(
            Enumerable.Range(0, WritesPerWriter).Select(i => $"user.w0.m{i:000}"),
            received.Where(name => name.StartsWith("user.w0.", StringComparison.Ordinal)));
        Assert.True(stuckRest.Length < Writers * WritesPerWriter * acl.Length, "the stuck client got every change");
        Assert.True(endedWithoutReading, "the stuck stream was still open 5 s after the writes");
        Assert.Equal("N1 OK \"Noop done\"", noop);
        Assert.Equal(1, server.Store.SubscriberCount);
        Assert.Contains(
            server.Logs.Entries,
            e => e.EventId == 2001 && e.Message.EndsWith("closed: update queue overflowed: the client read too slowly, or one commit had more changes than the queue holds", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, e => e.EventId == 4102);
    }

    [Fact(Timeout = 30_000)]
    public async Task StreamBufferIsBoundedInBytes()
    {
        // Room for 100,000 changes but only 1 MiB: a stuck client with big ACLs is cut off by bytes.
        await using var server = await TestServer.StartAsync(o => o with
        {
            StreamQueueMax = 100_000,
            StreamBufferMax = 1024 * 1024,
            WriteTimeout = TimeSpan.FromMinutes(5),
        });
        await using var stuck = await server.LoginRawAsync(receiveBufferSize: 2048);
        await stuck.SendAsync("U1 UPDATE\r\n");
        Assert.Equal("U1 OK \"streaming starts\"", await stuck.ReadLineAsync());

        // 64 KiB of ACL per change: about 5 MB of kernel buffers fill first, then 1 MiB of queue.
        var acl = string.Concat(Enumerable.Range(0, 8192).Select(i => $"u{i % 100:00}\tlr\t"));
        await using (var writer = await server.LoginClientAsync())
        {
            for (var i = 0; i < 200 && !server.Logs.Entries.Any(IsOverflowEnd); i++)
            {
                await writer.ActivateAsync($"user.big.m{i:000}", "be1!p", acl);
            }
        }

        var ended = await TestServer.WaitUntilAsync(() => server.Logs.Entries.Any(IsOverflowEnd), TimeSpan.FromSeconds(10));

        Assert.True(ended, "the stuck stream was not cut off by its byte limit");
        Assert.Equal(0, server.Store.SubscriberCount);
    }

    private static bool IsOverflowEnd(LogEntry entry) =>
        entry.EventId == 4101 && entry.Message.Contains("update queue overflowed", StringComparison.Ordinal);
}
