using System.Globalization;
using Mupdate.Interop.Tests.Harness;
using Mupdate.Client;

namespace Mupdate.Interop.Tests;

/// <summary>A Cyrus 3.6 slave (its own master(8), as user cyrus) replicates from the master under test.</summary>
public sealed class SlaveSyncTests
{
    private const int MailboxCount = 10_000;

    private const string SlaveUser = "slavereader";
    private const string SlavePassword = "slave-secret";

    [Fact(Timeout = 180_000)]
    public Task SlaveSyncsAndFollowsChanges() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await session.StartMasterAsync();
        var seed = BuildSeed(MailboxCount);
        await session.TimeAsync(
            $"seed {MailboxCount} entries ({MupdateSeeder.Connections} connections)",
            () => master.SeedAsync(seed, cancellationToken));

        var slave = session.Track(
            await session.TimeAsync("start slave and wait for its first full sync", () => CyrusInstance.StartSlaveAsync(
                SlaveOptions(),
                new MupdateUplink(master.Host, master.Port, master.AdminUser, master.AdminPassword)
                {
                    ForceClientMechanism = "PLAIN",
                },
                cancellationToken)),
            "Cyrus slave");

        var dump = await session.TimeAsync(
            "dump the slave's mailboxes.db", () => CtlMboxlist.DumpAsync(slave, cancellationToken));
        Assert.Equal(MailboxCount, dump.Count);
        var mismatches = seed.Where(entry => !MatchesDump(entry, dump)).Take(5).ToList();
        Assert.True(
            mismatches.Count == 0,
            "slave's mailboxes.db differs from the master for: "
            + string.Join("; ", mismatches.Select(entry => $"{entry} vs {Describe(dump.GetValueOrDefault(entry.Name))}")));

        var added = MailboxEntry.Active("user.late.Sent Items", "be9!p2", MupdateAcl.Format(("late", "lrswipkxtecda")));
        var deactivated = seed[2];
        var deleted = seed[3];
        var untouched = seed[4];
        Assert.Equal(MailboxEntryKind.Active, deactivated.Kind);
        Assert.Equal(MailboxEntryKind.Active, deleted.Kind);

        await session.TimeAsync("ACTIVATE, DEACTIVATE, DELETE on the master", async () =>
        {
            await using var admin = await MupdateLogin.ConnectAsync(
                master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
            await RequireOkAsync($"ACTIVATE {added}", MupdateSeeder.WriteEntryAsync(admin, added, cancellationToken));
            await RequireOkAsync(
                $"DEACTIVATE {deactivated.Name}",
                admin.DeactivateAsync(deactivated.Name, deactivated.Location, cancellationToken));
            await RequireOkAsync($"DELETE {deleted.Name}", admin.DeleteAsync(deleted.Name, cancellationToken));
        });

        // A kick returns only after the slave's NOOP round trip, and the master flushes what it
        // queued for that stream before it sends the NOOP's OK.
        var kickReply = await session.TimeAsync("kick the slave", () => slave.KickAsync(cancellationToken));
        Assert.Equal("ok", kickReply);

        await session.TimeAsync("FIND on the slave's listener", async () =>
        {
            await using var reader = await MupdateLogin.ConnectAsync(
                slave.Host, slave.Port!.Value, SlaveUser, SlavePassword, cancellationToken);
            Assert.Equal(added, await FindAsync(reader, added.Name, cancellationToken));
            Assert.Equal(
                MailboxEntry.Reserved(deactivated.Name, deactivated.Location),
                await FindAsync(reader, deactivated.Name, cancellationToken));
            Assert.Null(await FindAsync(reader, deleted.Name, cancellationToken));
            Assert.Equal(untouched, await FindAsync(reader, untouched.Name, cancellationToken));
            Assert.Equal(seed[^1], await FindAsync(reader, seed[^1].Name, cancellationToken));
        });
    });

    [Fact(Timeout = 120_000)]
    public Task SlaveDefaultMechanismIsScram() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await session.StartMasterAsync();
        var seed = BuildSeed(20);
        await session.TimeAsync("seed 20 entries", () => master.SeedAsync(seed, cancellationToken));
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy slave -> master");

        var slave = session.Track(
            await session.TimeAsync("start slave (SASL chooses the mechanism)", () => CyrusInstance.StartSlaveAsync(
                SlaveOptions(),
                new MupdateUplink(proxy.Host, proxy.Port, master.AdminUser, master.AdminPassword)
                {
                    ForceClientMechanism = null,
                },
                cancellationToken)),
            "Cyrus slave");

        var offer = proxy.Lines
            .Where(line => line.Connection == 1 && line.Direction == ProxyDirection.ServerToClient)
            .Select(line => line.Text)
            .First(text => text.StartsWith("* AUTH ", StringComparison.Ordinal))["* AUTH ".Length..]
            .Split(' ')
            .Select(mechanism => mechanism.Trim('"'))
            .ToList();
        var clientLines = proxy.ClientLines(1);
        var authenticate = clientLines[0];
        Assert.StartsWith("A01 AUTHENTICATE \"", authenticate, StringComparison.Ordinal);
        var chosen = authenticate.Split(' ')[2].Trim('"');
        session.Record($"master offered [{string.Join(' ', offer)}]; the slave chose {chosen}");

        Assert.Contains(chosen, offer);
        if (offer.Contains("SCRAM-SHA-1") && !offer.Contains("SCRAM-SHA-256"))
        {
            // Cyrus 3.6's SASL client, left to choose, prefers SCRAM-SHA-1 over PLAIN, DIGEST-MD5 and CRAM-MD5.
            Assert.Equal("SCRAM-SHA-1", chosen);
        }

        Assert.Contains("U01 UPDATE", clientLines);

        await using var admin = await MupdateLogin.ConnectAsync(
            master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
        var added = MailboxEntry.Active("user.scram.after", "be1!default", MupdateAcl.Format(("scram", "lrs")));
        await RequireOkAsync($"ACTIVATE {added}", MupdateSeeder.WriteEntryAsync(admin, added, cancellationToken));
        Assert.Equal("ok", await session.TimeAsync("kick the slave", () => slave.KickAsync(cancellationToken)));
        Assert.Contains(proxy.ClientLines(1), line => line.StartsWith("N0 NOOP", StringComparison.Ordinal));

        await using var reader = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port!.Value, SlaveUser, SlavePassword, cancellationToken);
        Assert.Equal(added, await FindAsync(reader, added.Name, cancellationToken));
        Assert.Equal(seed[7], await FindAsync(reader, seed[7].Name, cancellationToken));
    });

    /// <summary>
    /// Entries across three backends and two partitions. Every 50th is a reservation, and names
    /// include sub-folders, spaces and '-'.
    /// </summary>
    private static List<MailboxEntry> BuildSeed(int count)
    {
        string[] suffixes = ["", ".Sent Items", ".a-b", ".a.b"];
        var entries = new List<MailboxEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var user = "s" + (i / suffixes.Length).ToString("D5", CultureInfo.InvariantCulture);
            var name = $"user.{user}{suffixes[i % suffixes.Length]}";
            var location = $"be{(i % 3) + 1}!{(i % 2 == 0 ? "default" : "p2")}";
            entries.Add(i % 50 == 49
                ? MailboxEntry.Reserved(name, location)
                : MailboxEntry.Active(name, location, MupdateAcl.Format((user, "lrswipkxtecda"), ("anyone", "lr"))));
        }

        return entries;
    }

    private static CyrusInstanceOptions SlaveOptions() => new()
    {
        ServerName = "mupdate-slave.test",
        Users = [new SaslUser(SlaveUser, SlavePassword)],
        Admins = SlaveUser,
    };

    private static bool MatchesDump(MailboxEntry entry, IReadOnlyDictionary<string, DumpedMailbox> dump)
    {
        if (!dump.TryGetValue(entry.Name, out var dumped))
        {
            return false;
        }

        // Cyrus 3.6 slaves store remote entries as mbtype "er" and reservations as "erz".
        var expectedType = entry.Kind == MailboxEntryKind.Active ? "er" : "erz";
        var (server, partition) = SplitLocation(entry.Location);
        return dumped.MailboxType == expectedType
            && dumped.Server == server
            && dumped.Partition == partition
            && dumped.Acl.SequenceEqual(entry.AclPairs);
    }

    private static (string Server, string Partition) SplitLocation(string location)
    {
        var bang = location.IndexOf('!', StringComparison.Ordinal);
        return (location[..bang], location[(bang + 1)..]);
    }

    private static string Describe(DumpedMailbox? dumped)
    {
        if (dumped is null)
        {
            return "(missing)";
        }

        var acl = string.Join(", ", dumped.Acl.Select(pair => pair.Key + "=" + pair.Value));
        return $"{dumped.MailboxType} {dumped.Server}!{dumped.Partition} [{acl}]";
    }

    /// <summary>Awaits a write and fails the test, naming the command, when the master replies NO or BAD.</summary>
    private static async Task RequireOkAsync(string command, Task write)
    {
        try
        {
            await write;
        }
        catch (MupdateCommandException ex)
        {
            Assert.Fail($"master rejected {command}: {ex.Status} \"{ex.Text}\"");
        }
    }

    private static async Task<MailboxEntry?> FindAsync(
        MupdateClient client, string name, CancellationToken cancellationToken) =>
        await client.FindAsync(name, cancellationToken) is { } record ? MailboxEntry.FromRecord(record) : null;
}
