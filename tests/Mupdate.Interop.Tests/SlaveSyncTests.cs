using Mupdate.Interop.Tests.Harness;
using Mupdate.Client;
using static Mupdate.Interop.Tests.Harness.MupdateClientExtensions;

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
        var seed = ReplicaSeed.Build(MailboxCount);
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
        var differences = SlaveDump.Differences(seed, dump);
        Assert.True(
            differences.Count == 0, "slave's mailboxes.db differs from the master: " + string.Join("; ", differences));

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
            Assert.Equal(added, await reader.FindEntryAsync(added.Name, cancellationToken));
            Assert.Equal(
                MailboxEntry.Reserved(deactivated.Name, deactivated.Location),
                await reader.FindEntryAsync(deactivated.Name, cancellationToken));
            Assert.Null(await reader.FindEntryAsync(deleted.Name, cancellationToken));
            Assert.Equal(untouched, await reader.FindEntryAsync(untouched.Name, cancellationToken));
            Assert.Equal(seed[^1], await reader.FindEntryAsync(seed[^1].Name, cancellationToken));
        });
    });

    [Fact(Timeout = 120_000)]
    public Task SlaveDefaultMechanismIsScram() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await session.StartMasterAsync();
        var seed = ReplicaSeed.Build(20);
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
        Assert.Equal(added, await reader.FindEntryAsync(added.Name, cancellationToken));
        Assert.Equal(seed[7], await reader.FindEntryAsync(seed[7].Name, cancellationToken));
    });

    private static CyrusInstanceOptions SlaveOptions() => new()
    {
        ServerName = "mupdate-slave.test",
        Users = [new SaslUser(SlaveUser, SlavePassword)],
        Admins = SlaveUser,
    };
}
