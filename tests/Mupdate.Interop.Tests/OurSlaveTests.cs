using System.Diagnostics;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;
using static Mupdate.Interop.Tests.Harness.MupdateClientExtensions;

namespace Mupdate.Interop.Tests;

/// <summary>
/// Our program as a MUPDATE slave (started without -m) of Cyrus 3.6's master, and as the uplink
/// of a Cyrus 3.6 slave. All Cyrus daemons run under their own master(8) as user cyrus.
/// </summary>
public sealed class OurSlaveTests
{
    private const int MailboxCount = 10_000;

    private static readonly TimeSpan s_linkTimeout = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 120_000)]
    public Task OurSlaveMirrorsCyrusMaster() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await StartCyrusMasterAsync(session);
        var seed = ReplicaSeed.Build(MailboxCount);
        await SeedAsync(session, master, seed);

        var slave = await StartOurSlaveAsync(session, UplinkTo(master));
        Assert.EndsWith($" \"mupdate://{master.Host}:{master.Port}\"", slave.Banner, StringComparison.Ordinal);
        await WaitUntilLinkedAsync(session, slave, "wait for our slave's first sync");

        await using var admin = await MupdateLogin.ConnectAsync(
            master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
        await using var reader = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.User, slave.Password, cancellationToken);
        var masterList = await session.TimeAsync(
            "LIST on the Cyrus master", () => admin.ListEntriesByNameAsync(cancellationToken));
        Assert.Equal(SortByName(seed), masterList);
        var slaveList = await session.TimeAsync(
            "LIST on our slave", () => reader.ListEntriesByNameAsync(cancellationToken));
        Assert.Equal(masterList.Count, slaveList.Count);
        Assert.Equal(masterList, slaveList);

        var write = await Assert.ThrowsAsync<MupdateCommandException>(
            () => reader.DeleteAsync(seed[0].Name, cancellationToken));
        Assert.Equal("BAD", write.Status);
        Assert.Equal("read-only session", write.Text);

        // Cyrus 3.6 queues the changes for a stream and sends them within about 5 s, or at once on
        // a NOOP. Nothing kicks here, and our slave's keepalive NOOP is 20 s away, so this checks
        // that the slave applies the master's own stream.
        var acl = MupdateAcl.Format(("new", "lrswipkxtecda"), ("anyone", "lr"));
        var reservedOnly = MailboxEntry.Reserved("user.new.reserved", "be4!default");
        var created = MailboxEntry.Active("user.new", "be4!p2", acl);
        var deactivated = MailboxEntry.Reserved(seed[2].Name, "be4!default");
        var deleted = seed[3];
        Assert.Equal(MailboxEntryKind.Active, seed[2].Kind);
        await session.TimeAsync("RESERVE, ACTIVATE, DEACTIVATE, DELETE on the Cyrus master", async () =>
        {
            await RequireOkAsync(
                $"RESERVE {reservedOnly}",
                admin.ReserveAsync(reservedOnly.Name, reservedOnly.Location, cancellationToken));
            await RequireOkAsync(
                $"RESERVE {created.Name}", admin.ReserveAsync(created.Name, created.Location, cancellationToken));
            await RequireOkAsync(
                $"ACTIVATE {created}",
                admin.ActivateAsync(created.Name, created.Location, created.Acl, cancellationToken));
            await RequireOkAsync(
                $"DEACTIVATE {deactivated}",
                admin.DeactivateAsync(deactivated.Name, deactivated.Location, cancellationToken));
            await RequireOkAsync($"DELETE {deleted.Name}", admin.DeleteAsync(deleted.Name, cancellationToken));
        });

        (string Name, MailboxEntry? Expected)[] changes =
        [
            (reservedOnly.Name, reservedOnly),
            (created.Name, created),
            (deactivated.Name, deactivated),
            (deleted.Name, null),
        ];
        string? firstDifferences = null;
        await session.TimeAsync("wait until our slave's FIND shows every change", () => Poll.UntilAsync(
            async () =>
            {
                var differences = await FindDifferencesAsync(reader, changes, cancellationToken);
                firstDifferences ??= string.Join("; ", differences);
                return differences.Count == 0;
            },
            "our slave shows the RESERVE, ACTIVATE, DEACTIVATE and DELETE made on the Cyrus master",
            TimeSpan.FromSeconds(20),
            cancellationToken));
        session.Record($"differences at the first FIND round: '{firstDifferences}'");

        var masterAfter = await admin.ListEntriesByNameAsync(cancellationToken);
        Assert.Equal(MailboxCount + 1, masterAfter.Count);
        Assert.Equal(masterAfter, await reader.ListEntriesByNameAsync(cancellationToken));
    });

    [Fact(Timeout = 60_000)]
    public Task KickOkMeansChangeIsVisible() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await StartCyrusMasterAsync(session);
        var seed = ReplicaSeed.Build(20);
        await SeedAsync(session, master, seed);

        // No forced mechanism: our slave picks the best the master offers. mupdate_retry_delay stays
        // 20 s, so every NOOP the proxy records in this short test comes from a kick.
        var (proxy, slave) = await StartSlaveBehindProxyAsync(session, master, retryDelaySeconds: 20);
        var authenticate = proxy.ClientLines(1)
            .First(line => line.Contains(" AUTHENTICATE ", StringComparison.Ordinal));
        Assert.Contains(" AUTHENTICATE \"SCRAM-SHA-1\"", authenticate, StringComparison.Ordinal);

        await using var admin = await MupdateLogin.ConnectAsync(
            master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
        await using var reader = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.User, slave.Password, cancellationToken);

        const string name = "user.kick";
        var kickAcl = MupdateAcl.Format(("kick", "lrs"));
        var aclChanged = seed[5] with { Acl = MupdateAcl.Format(("other", "lr")) };
        Assert.Equal(MailboxEntryKind.Active, seed[5].Kind);
        (string Command, Func<Task> Write, string FoundName, MailboxEntry? Expected)[] steps =
        [
            ("RESERVE", () => admin.ReserveAsync(name, "be1!default", cancellationToken),
                name, MailboxEntry.Reserved(name, "be1!default")),
            ("ACTIVATE", () => admin.ActivateAsync(name, "be1!default", kickAcl, cancellationToken),
                name, MailboxEntry.Active(name, "be1!default", kickAcl)),
            ("DEACTIVATE", () => admin.DeactivateAsync(name, "be2!p2", cancellationToken),
                name, MailboxEntry.Reserved(name, "be2!p2")),
            ("DELETE", () => admin.DeleteAsync(name, cancellationToken), name, null),
            ("ACTIVATE with a new ACL", () => MupdateSeeder.WriteEntryAsync(admin, aclChanged, cancellationToken),
                aclChanged.Name, aclChanged),
        ];

        foreach (var (command, write, foundName, expected) in steps)
        {
            await RequireOkAsync($"{command} {foundName}", write());
            var noopsBefore = CountNoops(proxy);
            var stopwatch = Stopwatch.StartNew();
            var reply = await slave.KickAsync(cancellationToken);
            var kickTime = stopwatch.Elapsed;

            // No polling: the kick's "ok" promises that the change is already in the store.
            var found = await reader.FindEntryAsync(foundName, cancellationToken);
            session.Record($"{command}: kick '{reply}' after {kickTime.TotalMilliseconds:F0} ms");
            Assert.Equal("ok", reply);
            Assert.Equal(expected, found);
            Assert.True(
                CountNoops(proxy) > noopsBefore,
                $"the kick after {command} was answered without a NOOP to the master:\n{proxy.CollectDiagnostics()}");
        }
    });

    [Fact(Timeout = 120_000)]
    public Task CyrusSlaveChainsThroughOurSlave() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await StartCyrusMasterAsync(session);
        var seed = ReplicaSeed.Build(MailboxCount);
        await SeedAsync(session, master, seed);
        var ourSlave = await StartOurSlaveAsync(session, UplinkTo(master));
        await WaitUntilLinkedAsync(session, ourSlave, "wait for our slave's first sync");

        // A Cyrus 3.6 slave sends its banner only after its first full sync, so start returns synced.
        var cyrusSlave = session.Track(
            await session.TimeAsync("start a Cyrus slave of our slave", () => CyrusInstance.StartSlaveAsync(
                new CyrusInstanceOptions { ServerName = "mupdate-chain-slave.test" },
                new MupdateUplink(ourSlave.Host, ourSlave.Port, ourSlave.User, ourSlave.Password)
                {
                    ForceClientMechanism = null,
                },
                cancellationToken)),
            "Cyrus slave of our slave");
        var dump = await session.TimeAsync(
            "dump the Cyrus slave's mailboxes.db", () => CtlMboxlist.DumpAsync(cyrusSlave, cancellationToken));
        Assert.Equal(MailboxCount, dump.Count);
        var differences = SlaveDump.Differences(seed, dump);
        Assert.True(differences.Count == 0, "Cyrus slave differs from the master: " + string.Join("; ", differences));

        var added = MailboxEntry.Active(
            "user.chain.Sent Items", "be9!p2", MupdateAcl.Format(("chain", "lrswipkxtecda")));
        var deactivated = MailboxEntry.Reserved(seed[2].Name, seed[2].Location);
        var deleted = seed[3];
        await session.TimeAsync("ACTIVATE, DEACTIVATE, DELETE on the Cyrus master", async () =>
        {
            await using var admin = await MupdateLogin.ConnectAsync(
                master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
            await RequireOkAsync($"ACTIVATE {added}", MupdateSeeder.WriteEntryAsync(admin, added, cancellationToken));
            await RequireOkAsync(
                $"DEACTIVATE {deactivated}",
                admin.DeactivateAsync(deactivated.Name, deactivated.Location, cancellationToken));
            await RequireOkAsync($"DELETE {deleted.Name}", admin.DeleteAsync(deleted.Name, cancellationToken));
        });

        // Only the Cyrus slave is kicked: its NOOP to our slave waits for our slave's NOOP round
        // trip to the Cyrus master, so the "ok" covers changes two hops away.
        var kickReply = await session.TimeAsync("kick the Cyrus slave", () => cyrusSlave.KickAsync(cancellationToken));
        Assert.Equal("ok", kickReply);
        List<MailboxEntry> expected =
            [.. seed.Where(entry => entry.Name != deleted.Name && entry.Name != deactivated.Name)];
        expected.AddRange([added, deactivated]);
        var dumpAfter = await session.TimeAsync(
            "dump the Cyrus slave's mailboxes.db again", () => CtlMboxlist.DumpAsync(cyrusSlave, cancellationToken));
        Assert.Equal(MailboxCount, dumpAfter.Count);
        var differencesAfter = SlaveDump.Differences(expected, dumpAfter);
        Assert.True(
            differencesAfter.Count == 0,
            "Cyrus slave missed changes made on the master: " + string.Join("; ", differencesAfter));

        var transcript = await session.TimeAsync("mupdatetest against our slave", () => Mupdatetest.RunAsync(
            ourSlave.Host,
            ourSlave.Port,
            "SCRAM-SHA-1",
            ourSlave.User,
            ourSlave.Password,
            [
                $"F1 FIND \"{seed[0].Name}\"",
                $"F2 FIND \"{added.Name}\"",
                $"F3 FIND \"{deactivated.Name}\"",
                $"F4 FIND \"{deleted.Name}\"",
                $"F5 FIND \"{seed[49].Name}\"",
                "L1 LIST \"be9!\"",
                $"W1 DELETE \"{seed[0].Name}\"",
            ],
            cancellationToken));
        session.AddDiagnostics("mupdatetest against our slave", transcript.Describe);
        Assert.True(transcript.Authenticated, $"mupdatetest did not log in to our slave: {transcript.LoginReply}");
        Assert.Equal("SCRAM-SHA-1", transcript.Mechanism);
        Assert.Contains(
            $"\"mupdate://{master.Host}:{master.Port}\"", transcript.BannerLines[^1], StringComparison.Ordinal);
        string[] readTags = ["F1", "F2", "F3", "F4", "F5", "L1"];
        foreach (var tag in readTags)
        {
            Assert.Equal("OK", transcript.Completion(tag).Word);
        }

        Assert.Equal([seed[0]], transcript.Entries("F1"));
        Assert.Equal([added], transcript.Entries("F2"));
        Assert.Equal([deactivated], transcript.Entries("F3"));
        Assert.Empty(transcript.Entries("F4"));
        Assert.Equal(MailboxEntryKind.Reserved, seed[49].Kind);
        Assert.Equal([seed[49]], transcript.Entries("F5"));
        Assert.Equal([added], transcript.Entries("L1"));
        Assert.Equal("BAD", transcript.Completion("W1").Word);
        Assert.Equal("read-only session", transcript.Completion("W1").Text);
    });

    [Fact(Timeout = 90_000)]
    public Task OurSlaveResyncsAfterLinkLoss() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await StartCyrusMasterAsync(session);
        var seed = ReplicaSeed.Build(2_000);
        await SeedAsync(session, master, seed);

        // mupdate_retry_delay 2 s: our slave reconnects 2 to 3 s after it loses the link.
        var (proxy, slave) = await StartSlaveBehindProxyAsync(session, master, retryDelaySeconds: 2);
        await using var reader = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.User, slave.Password, cancellationToken);

        // The Cyrus slave keeps its stream from our slave open the whole time, so it can learn the
        // offline changes only from what our slave's resync streams to it.
        var cyrusSlave = session.Track(
            await session.TimeAsync("start a Cyrus slave of our slave", () => CyrusInstance.StartSlaveAsync(
                new CyrusInstanceOptions { ServerName = "mupdate-resync-slave.test" },
                new MupdateUplink(slave.Host, slave.Port, slave.User, slave.Password),
                cancellationToken)),
            "Cyrus slave of our slave");

        proxy.RejectConnections = true;
        proxy.DropConnections();
        await session.TimeAsync("wait until our slave rejects kicks (link lost)", () => Poll.UntilAsync(
            async () => await slave.KickAsync(cancellationToken) != "ok",
            "our slave notices that the link to its master is gone",
            TimeSpan.FromSeconds(10),
            cancellationToken));

        // These changes cannot reach the slave as a stream, so only the resync after the reconnect
        // carries them, including the deletions.
        var deleted = seed.Take(10).ToList();
        var added = MailboxEntry.Active("user.offline", "be5!default", MupdateAcl.Format(("offline", "lrs")));
        var deactivated = MailboxEntry.Reserved(seed[20].Name, seed[20].Location);
        Assert.Equal(MailboxEntryKind.Active, seed[20].Kind);
        await using var admin = await MupdateLogin.ConnectAsync(
            master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
        await session.TimeAsync("DELETE 10, ACTIVATE, DEACTIVATE on the Cyrus master", async () =>
        {
            foreach (var entry in deleted)
            {
                await RequireOkAsync($"DELETE {entry.Name}", admin.DeleteAsync(entry.Name, cancellationToken));
            }

            await RequireOkAsync($"ACTIVATE {added}", MupdateSeeder.WriteEntryAsync(admin, added, cancellationToken));
            await RequireOkAsync(
                $"DEACTIVATE {deactivated}",
                admin.DeactivateAsync(deactivated.Name, deactivated.Location, cancellationToken));
        });

        // Without a link the slave still serves its last complete replica.
        Assert.Equal(deleted[0], await reader.FindEntryAsync(deleted[0].Name, cancellationToken));
        Assert.Null(await reader.FindEntryAsync(added.Name, cancellationToken));

        var connectionsBefore = proxy.ConnectionCount;
        proxy.RejectConnections = false;
        await WaitUntilLinkedAsync(session, slave, "wait for our slave's resync after the reconnect");
        Assert.True(proxy.ConnectionCount > connectionsBefore, "our slave did not connect again through the proxy");

        (string Name, MailboxEntry? Expected)[] changes =
        [
            .. deleted.Select(entry => (entry.Name, (MailboxEntry?)null)),
            (added.Name, added),
            (deactivated.Name, deactivated),
        ];
        var differences = await FindDifferencesAsync(reader, changes, cancellationToken);
        Assert.True(differences.Count == 0, "after the resync: " + string.Join("; ", differences));
        var masterList = await admin.ListEntriesByNameAsync(cancellationToken);
        Assert.Equal(seed.Count - 9, masterList.Count);
        Assert.Equal(masterList, await reader.ListEntriesByNameAsync(cancellationToken));

        var kickReply = await session.TimeAsync("kick the Cyrus slave", () => cyrusSlave.KickAsync(cancellationToken));
        Assert.Equal("ok", kickReply);
        var dump = await CtlMboxlist.DumpAsync(cyrusSlave, cancellationToken);
        Assert.Equal(masterList.Count, dump.Count);
        var dumpDifferences = SlaveDump.Differences(masterList, dump);
        Assert.True(
            dumpDifferences.Count == 0,
            "Cyrus slave after our slave's resync: " + string.Join("; ", dumpDifferences));
    });

    [Fact(Timeout = 90_000)]
    public Task OurSlaveBeforeFirstSync() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await StartCyrusMasterAsync(session);
        var seed = ReplicaSeed.Build(200);
        await SeedAsync(session, master, seed);
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy our slave -> Cyrus master");
        proxy.RejectConnections = true;
        var slave = await StartOurSlaveAsync(
            session, UplinkTo(master) with { Host = proxy.Host, Port = proxy.Port, RetryDelaySeconds = 2 });

        await using (var early = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.User, slave.Password, cancellationToken))
        {
            var find = await Assert.ThrowsAsync<MupdateCommandException>(
                () => early.FindAsync(seed[0].Name, cancellationToken));
            Assert.Equal("NO", find.Status);
            Assert.StartsWith("not synchronized yet", find.Text, StringComparison.Ordinal);
            var list = await Assert.ThrowsAsync<MupdateCommandException>(
                () => early.ListAsync(cancellationToken: cancellationToken));
            Assert.Equal("NO", list.Status);
            Assert.StartsWith("not synchronized yet", list.Text, StringComparison.Ordinal);
        }

        Assert.Equal("", await slave.KickAsync(cancellationToken));

        // Our slave keeps the Cyrus slave's UPDATE waiting until its own first sync. Cyrus 3.6 takes a
        // NO to UPDATE as an empty list and would come up with no entries.
        var cyrusSlaveStart = session.Track(
            new PendingStart<CyrusInstance>(
                token => CyrusInstance.StartSlaveAsync(
                    new CyrusInstanceOptions { ServerName = "mupdate-early-slave.test" },
                    new MupdateUplink(slave.Host, slave.Port, slave.User, slave.Password) { RetryDelaySeconds = 2 },
                    token),
                cancellationToken),
            "Cyrus slave of our slave");
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        Assert.False(cyrusSlaveStart.Task.IsCompleted, "the Cyrus slave's start ended before our slave had any data");

        proxy.RejectConnections = false;
        await WaitUntilLinkedAsync(session, slave, "wait for our slave's first sync");
        var cyrusSlave = await session.TimeAsync("wait for the Cyrus slave's first sync", () => cyrusSlaveStart.Task);
        var dump = await CtlMboxlist.DumpAsync(cyrusSlave, cancellationToken);
        Assert.Equal(seed.Count, dump.Count);
        var differences = SlaveDump.Differences(seed, dump);
        Assert.True(differences.Count == 0, "Cyrus slave differs from the master: " + string.Join("; ", differences));
    });

    private static async Task<CyrusMasterUnderTest> StartCyrusMasterAsync(InteropSession session)
    {
        var master = await session.TimeAsync(
            "start the Cyrus master", () => CyrusMasterUnderTest.StartAsync(session.CancellationToken));
        return session.Track(master, "Cyrus 3.6 master");
    }

    private static Task SeedAsync(InteropSession session, CyrusMasterUnderTest master, List<MailboxEntry> seed) =>
        session.TimeAsync(
            $"seed {seed.Count} entries on the Cyrus master", () => master.SeedAsync(seed, session.CancellationToken));

    private static async Task<OurSlave> StartOurSlaveAsync(InteropSession session, MupdateUplink uplink)
    {
        var slave = await session.TimeAsync(
            "start our slave", () => OurSlave.StartAsync(uplink, session.CancellationToken));
        return session.Track(slave, "our slave (mupdate.dll without -m)");
    }

    /// <summary>
    /// Starts our slave behind a <see cref="RecordingProxy"/> to <paramref name="master"/> and waits
    /// for its first sync.
    /// </summary>
    private static async Task<(RecordingProxy Proxy, OurSlave Slave)> StartSlaveBehindProxyAsync(
        InteropSession session, CyrusMasterUnderTest master, int retryDelaySeconds)
    {
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy our slave -> Cyrus master");
        var uplink = UplinkTo(master) with
        {
            Host = proxy.Host,
            Port = proxy.Port,
            RetryDelaySeconds = retryDelaySeconds,
        };
        var slave = await StartOurSlaveAsync(session, uplink);
        await WaitUntilLinkedAsync(session, slave, "wait for our slave's first sync");
        return (proxy, slave);
    }

    private static Task WaitUntilLinkedAsync(InteropSession session, OurSlave slave, string phase) =>
        session.TimeAsync(phase, () => slave.WaitUntilLinkedAsync(s_linkTimeout, session.CancellationToken));

    /// <summary>Sends FIND for each name and describes every reply that differs from the expected entry.</summary>
    private static async Task<List<string>> FindDifferencesAsync(
        MupdateClient client,
        IEnumerable<(string Name, MailboxEntry? Expected)> expectations,
        CancellationToken cancellationToken)
    {
        var differences = new List<string>();
        foreach (var (name, expected) in expectations)
        {
            var found = await client.FindEntryAsync(name, cancellationToken);
            if (found != expected)
            {
                differences.Add($"{name}: {Describe(found)} instead of {Describe(expected)}");
            }
        }

        return differences;
    }

    private static string Describe(MailboxEntry? entry) => entry?.ToString() ?? "(none)";

    /// <summary>Our slave's login to <paramref name="master"/>, with the mechanism left to our SASL client.</summary>
    private static MupdateUplink UplinkTo(CyrusMasterUnderTest master) =>
        new(master.Host, master.Port, master.AdminUser, master.AdminPassword) { ForceClientMechanism = null };

    private static int CountNoops(RecordingProxy proxy) =>
        proxy.ClientLines(1).Count(line => line.Contains(" NOOP", StringComparison.Ordinal));

    private static List<MailboxEntry> SortByName(IEnumerable<MailboxEntry> entries) =>
        [.. entries.OrderBy(entry => entry.Name, StringComparer.Ordinal)];
}
