using Microsoft.Extensions.Logging;

namespace Mupdate.Tests.Integration;

/// <summary>Many sessions at once, each logging in with SCRAM and writing its own mailboxes.</summary>
public sealed class ConcurrentSessionTests
{
    private const int Sessions = 100;
    private const int WritesPerSession = 10;

    [Fact(Timeout = 30_000)]
    public async Task HundredSessionsLogInAndWrite()
    {
        await using var server = await TestServer.StartAsync();
        var (stream, _) = await server.StreamRawAsync();

        var sessions = Enumerable.Range(0, Sessions).Select(s => Task.Run(async () =>
        {
            await using var client = await server.LoginClientAsync("SCRAM-SHA-256");
            for (var i = 0; i < WritesPerSession; i++)
            {
                await client.ActivateAsync($"user.s{s:000}.m{i}", $"be{s % 4}!p", "");
            }

            return (await client.ListAsync($"be{s % 4}!")).Count(r => r.Name.StartsWith($"user.s{s:000}.", StringComparison.Ordinal));
        })).ToArray();
        var ownCounts = await Task.WhenAll(sessions);

        await stream.SendAsync("N1 NOOP\r\n");
        var streamed = await stream.ReadUntilTaggedStatusAsync("N1");
        await using var reader = await server.LoginClientAsync();
        var list = await reader.ListAsync();

        Assert.All(ownCounts, count => Assert.Equal(WritesPerSession, count));
        Assert.Equal(Sessions * WritesPerSession, list.Count);
        Assert.Equal(Sessions * WritesPerSession + 1, streamed.Count);
        Assert.Equal(Sessions * WritesPerSession, server.Store.Revision);
        Assert.Equal(Sessions + 2, server.Logs.Entries.Count(e => e.EventId == 3000));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }
}
