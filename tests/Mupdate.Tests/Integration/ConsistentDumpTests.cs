using Mupdate.Client;
using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>
/// A replica built from the UPDATE dump plus the stream equals the master's list exactly, even when
/// writers commit while the dump is sent.
/// </summary>
public sealed class ConsistentDumpTests
{
    private const int InitialEntries = 3000;
    private const int NameSpace = 4000;

    [Fact(Timeout = 30_000)]
    public async Task DumpPlusStreamEqualsFinalList()
    {
        await using var server = await TestServer.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, InitialEntries).Select(i =>
            server.Store.WriteAsync(WriteRequest.Activate(Name(i), Location(i), $"u{i}\tlrs\t"))));

        using var stop = new CancellationTokenSource();
        var writes = new int[4];
        var writers = Enumerable.Range(0, writes.Length)
            .Select(w => Task.Run(() => WriteRandomlyAsync(server, w, writes, stop.Token)))
            .ToArray();
        while (writes.Sum() < 40)
        {
            await Task.Delay(5);
        }

        // The full stream reads its dump slowly through a small receive window, so the server is
        // still sending it while the writers commit.
        await using var full = await server.LoginRawAsync(receiveBufferSize: 4096);
        var revisionBefore = server.Store.Revision;
        await full.SendAsync("U1 UPDATE\r\n");
        var fullView = new Dictionary<string, MailboxRecord>(StringComparer.Ordinal);
        var dumpNames = new List<string>();
        while (true)
        {
            var response = (await full.ReadResponseAsync()).Response;
            if (response.IsStatus)
            {
                Assert.Equal("U1 OK \"streaming starts\"", $"{response.Tag} {response.Word} \"{response.Text}\"");
                break;
            }

            Assert.NotEqual("DELETE", response.Word);
            dumpNames.Add(response.Arguments[0]);
            Apply(fullView, response);
            if (dumpNames.Count % 250 == 0)
            {
                await Task.Delay(20);
            }
        }

        var revisionAfterDump = server.Store.Revision;
        await using var partialClient = await server.LoginClientAsync();
        var partial = await partialClient.UpdateAsync(["be1", "be3"]);
        var partialView = partial.Snapshot.ToDictionary(r => r.Name, StringComparer.Ordinal);
        while (writes.Sum() < 1500)
        {
            await Task.Delay(5);
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);

        await full.SendAsync("N1 NOOP\r\n");
        ServerResponse fullEnd;
        while (!(fullEnd = (await full.ReadResponseAsync()).Response).IsStatus)
        {
            Apply(fullView, fullEnd);
        }

        var noop = await partial.SendNoopAsync();
        UpdateEvent? partialEnd;
        while ((partialEnd = await partial.ReadAsync(TimeSpan.FromSeconds(5)))
            is { Kind: UpdateEventKind.Changed or UpdateEventKind.Deleted })
        {
            Apply(partialView, partialEnd.Response);
        }

        await using var reader = await server.LoginClientAsync();
        var list = await reader.ListAsync();

        Assert.True(revisionAfterDump > revisionBefore, "no write committed while the dump was read");
        Assert.True(dumpNames.Count > 2000, $"the dump had only {dumpNames.Count} entries");
        Assert.Equal(dumpNames.Order(MailboxOrder.Comparer), dumpNames);
        Assert.Equal(list, fullView.Values.Order(RecordOrder));
        Assert.Equal(
            list.Where(r => r.Server is "be1" or "be3"),
            partialView.Values.Where(r => r.Server is "be1" or "be3").Order(RecordOrder));
        Assert.Equal("N1 OK Noop done", $"{fullEnd.Tag} {fullEnd.Word} {fullEnd.Text}");
        Assert.Equal(noop, partialEnd?.Tag);
        Assert.Equal(UpdateEventKind.Status, partialEnd?.Kind);
    }

    private static readonly IComparer<MailboxRecord> RecordOrder =
        Comparer<MailboxRecord>.Create((left, right) => MailboxOrder.Compare(left.Name, right.Name));

    private static string Name(int i) => $"user.k{i % 97}.m{i}";

    private static string Location(int i) => $"be{(i % 4) + 1}!p{i % 3}";

    private static void Apply(Dictionary<string, MailboxRecord> view, ServerResponse response)
    {
        var arguments = response.Arguments;
        switch (response.Word)
        {
            case "MAILBOX":
                view[arguments[0]] = MailboxRecord.Active(arguments[0], arguments[1], arguments[2]);
                break;
            case "RESERVE":
                view[arguments[0]] = MailboxRecord.Reserved(arguments[0], arguments[1]);
                break;
            case "DELETE":
                view.Remove(arguments[0]);
                break;
            default:
                throw new InvalidOperationException($"unexpected response on the stream: {response}");
        }
    }

    private static async Task WriteRandomlyAsync(TestServer server, int writer, int[] writes, CancellationToken stop)
    {
        // Commands get CancellationToken.None: the writer stops between commands, never inside one.
        var random = new Random(writer);
        await using var client = await server.LoginClientAsync();
        while (!stop.IsCancellationRequested)
        {
            var i = random.Next(NameSpace);
            try
            {
                switch (random.Next(5))
                {
                    case 0:
                    case 1:
                        await client.ActivateAsync(Name(i), Location(random.Next(8)), $"w{writer}\tlr\t", CancellationToken.None);
                        break;
                    case 2:
                        await client.ReserveAsync(Name(i), Location(random.Next(8)), CancellationToken.None);
                        break;
                    case 3:
                        await client.DeactivateAsync(Name(i), Location(random.Next(8)), CancellationToken.None);
                        break;
                    default:
                        await client.DeleteAsync(Name(i), CancellationToken.None);
                        break;
                }
            }
            catch (MupdateCommandException exception) when (exception.Status == "NO")
            {
                // The rules rejected the write against the current state, which is part of the mix.
            }

            Interlocked.Increment(ref writes[writer]);
        }
    }
}
