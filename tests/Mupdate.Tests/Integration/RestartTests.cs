using Mupdate.Client;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>Acknowledged writes survive closing and reopening the server and the store on the same directory.</summary>
public sealed class RestartTests
{
    private const int Writers = 8;
    private const int NamesPerWriter = 20;

    [Fact(Timeout = 15_000)]
    public async Task WritesSurviveRestart()
    {
        await using var server = await TestServer.StartAsync();
        await using (var client = await server.LoginClientAsync())
        {
            await client.ActivateAsync("user.a", "be1!p", "a\tlrs\t");
            await client.ReserveAsync("user.b", "be2!p");
            await client.ActivateAsync("user.c", "be1!p", "");
            await client.DeactivateAsync("user.c", "be3!q");
            await client.ActivateAsync("user.d", "be1!p", "");
            await client.DeleteAsync("user.d");
        }

        await server.RestartAsync();
        await using var reopened = await server.LoginClientAsync();
        var list = await reopened.ListAsync();

        Assert.Equal(
            [
                MailboxRecord.Active("user.a", "be1!p", "a\tlrs\t"),
                MailboxRecord.Reserved("user.b", "be2!p"),
                MailboxRecord.Reserved("user.c", "be3!q"),
            ],
            list);
        Assert.Equal(6, server.Store.Revision);
    }

    [Fact(Timeout = 30_000)]
    public async Task AcknowledgedConcurrentWritesSurviveStop()
    {
        await using var server = await TestServer.StartAsync();
        var results = new WriterResult[Writers];
        var writers = Enumerable.Range(0, Writers)
            .Select(w => Task.Run(async () => results[w] = await WriteUntilStoppedAsync(server, w)))
            .ToArray();
        while (server.Store.Revision < 1500)
        {
            await Task.Delay(10);
        }

        // Stop while the writers are still sending commands, then reopen on the same directory.
        await server.CloseAsync();
        await Task.WhenAll(writers);
        await server.RestartAsync();

        var acknowledgedChanges = results.Sum(r => r.AcknowledgedChanges);
        var inFlight = results.Count(r => r.InFlight is not null);
        var mismatches = new List<string>();
        foreach (var result in results)
        {
            foreach (var (name, acknowledged) in result.Acknowledged)
            {
                var stored = server.Store.Find(name);
                var inFlightState = result.InFlight is { } pending && pending.Name == name ? pending.Expected : acknowledged;
                if (stored != acknowledged && stored != inFlightState)
                {
                    mismatches.Add($"{name}: stored {stored}, acknowledged {acknowledged}");
                }
            }
        }

        await using var client = await server.LoginClientAsync();
        var list = await client.ListAsync();

        Assert.True(acknowledgedChanges >= 1000, $"only {acknowledgedChanges} acknowledged changes");
        Assert.Empty(mismatches);
        Assert.InRange(server.Store.Revision, acknowledgedChanges, acknowledgedChanges + inFlight);
        var expectedList = results
            .SelectMany(r => r.Acknowledged.Keys)
            .Select(server.Store.Find)
            .OfType<MailboxRecord>()
            .OrderBy(r => r.Name, MailboxOrder.Comparer);
        Assert.Equal(expectedList, list);
    }

    /// <summary>
    /// Writes random commands on its own names until the server goes away. Because no other writer
    /// touches those names, the expected answer and state of every command are known beforehand.
    /// </summary>
    private static async Task<WriterResult> WriteUntilStoppedAsync(TestServer server, int writer)
    {
        var random = new Random(writer);
        var acknowledged = Enumerable.Range(0, NamesPerWriter).ToDictionary(i => $"user.w{writer}.n{i:00}", _ => (MailboxRecord?)null);
        var names = acknowledged.Keys.ToArray();
        var changes = 0;
        await using var client = await server.LoginClientAsync();
        while (true)
        {
            var name = names[random.Next(names.Length)];
            var location = $"be{random.Next(3)}!p";
            var request = random.Next(4) switch
            {
                0 => WriteRequest.Activate(name, location, $"w{writer}\tlr{random.Next(10)}\t"),
                1 => WriteRequest.Reserve(name, location),
                2 => WriteRequest.Deactivate(name, location),
                _ => WriteRequest.Delete(name),
            };
            var decision = WriteRules.Decide(request, acknowledged[name]);
            var expected = decision.Changes ? decision.NewRecord : acknowledged[name];
            try
            {
                await RunAsync(client, request);
            }
            catch (MupdateCommandException exception) when (exception.Status == "NO")
            {
                if (decision.Result.Status != WriteStatus.Rejected)
                {
                    throw new InvalidOperationException($"{request.Kind} {name} was rejected: {exception.Text}");
                }

                continue;
            }
            catch (Exception exception)
                when (exception is MupdateCommandException { Status: "BYE" } or MupdateProtocolException or IOException)
            {
                // The server stopped: this command may or may not have been committed.
                return new WriterResult(acknowledged, changes, new PendingWrite(name, expected));
            }

            if (decision.Result.Status == WriteStatus.Rejected)
            {
                throw new InvalidOperationException($"{request.Kind} {name} got OK where NO was expected");
            }

            changes += decision.Changes ? 1 : 0;
            acknowledged[name] = expected;
        }
    }

    private static Task RunAsync(MupdateClient client, WriteRequest request) => request.Kind switch
    {
        WriteKind.Activate => client.ActivateAsync(request.Name, request.Location, request.Acl),
        WriteKind.Reserve => client.ReserveAsync(request.Name, request.Location),
        WriteKind.Deactivate => client.DeactivateAsync(request.Name, request.Location),
        _ => client.DeleteAsync(request.Name),
    };

    private sealed record PendingWrite(string Name, MailboxRecord? Expected);

    private sealed record WriterResult(
        IReadOnlyDictionary<string, MailboxRecord?> Acknowledged,
        int AcknowledgedChanges,
        PendingWrite? InFlight);
}
