using Mupdate.Client;
using Mupdate.Replication;
using Mupdate.Store;
using Mupdate.Tests.Integration;

namespace Mupdate.Tests.Replication;

/// <summary>
/// A slave whose master fails during the dump, or whose replica comes from an earlier run: the
/// replica stays whole and served, and the link is tried again.
/// </summary>
public sealed class LinkFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static readonly MailboxRecord Old = MailboxRecord.Active("user.old", "be1!p", "");
    private static readonly MailboxRecord UserX = MailboxRecord.Active("user.x", "be2!p", "");
    private static readonly MailboxRecord UserY = MailboxRecord.Reserved("user.y", "be2!p");
    private static readonly MailboxRecord UserZ = MailboxRecord.Active("user.z", "be3!p", "z\tall\t");

    [Fact(Timeout = 20_000)]
    public async Task CutDumpLeavesReplicaWhole()
    {
        await using var master = new FakeMaster { Dump = [UserX, UserY, UserZ], CloseDumpAfter = 2 };
        await using var slave = await SlaveHarness.StartAsync(master, seed: SeedSynchronizedAsync);
        await using var client = await slave.LoginClientAsync();

        await WaitForAsync(() => master.ConnectionCount >= 2, "the slave never redialed after the cut dump");

        Assert.Equal(0, slave.Replicator.Resyncs);
        Assert.Equal([Old], await client.ListAsync());
        Assert.Contains(slave.Logs.Entries, e => e.EventId == 6002);

        master.CloseDumpAfter = null;

        await WaitForAsync(() => slave.Replicator.Resyncs == 1, "no resync after the master recovered");
        Assert.Equal([UserX, UserY, UserZ], await client.ListAsync());
    }

    [Fact(Timeout = 20_000)]
    public async Task TricklingDumpHitsDumpTimeout()
    {
        // Each line comes well within the master timeout, but the dump as a whole never ends.
        await using var master = new FakeMaster { TrickleInterval = TimeSpan.FromMilliseconds(200) };
        await using var slave = await SlaveHarness.StartAsync(
            master,
            options => options with { MasterTimeout = TimeSpan.FromSeconds(2), DumpTimeout = TimeSpan.FromSeconds(2) },
            SeedSynchronizedAsync);
        await using var client = await slave.LoginClientAsync();

        await WaitForAsync(() => master.ConnectionCount >= 2, "the slave kept reading a dump that never ends");

        Assert.Equal(0, slave.Replicator.Resyncs);
        Assert.Equal(Old, await client.FindAsync("user.old"));
        var failure = slave.Logs.Entries.First(e => e.EventId == 6002);
        Assert.Contains("while reading the dump", failure.Message, StringComparison.Ordinal);
        Assert.Contains("did not finish within 2 s (mupdate_dump_timeout)", failure.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task StalledDumpTimesOut()
    {
        await using var master = new FakeMaster { Dump = [UserX] };
        master.HoldDump();
        await using var slave = await SlaveHarness.StartAsync(
            master,
            options => options with { MasterTimeout = TimeSpan.FromSeconds(1) },
            SeedSynchronizedAsync);
        await using var client = await slave.LoginClientAsync();

        await WaitForAsync(() => master.ConnectionCount >= 2, "the slave kept waiting for a stalled dump");

        Assert.Equal(0, slave.Replicator.Resyncs);
        Assert.Equal(Old, await client.FindAsync("user.old"));
        Assert.Contains(
            slave.Logs.Entries,
            e => e.EventId == 6002 && e.Message.Contains("no response from the server", StringComparison.Ordinal));
    }

    [Fact(Timeout = 20_000)]
    public async Task EarlierReplicaServedBeforeLink()
    {
        await using var master = new FakeMaster { Dump = [UserX] };
        master.HoldDump();
        await using var slave = await SlaveHarness.StartAsync(master, seed: SeedSynchronizedAsync);
        await using var client = await slave.LoginClientAsync();

        Assert.True(slave.IsSynchronized);
        Assert.True(slave.Replicator.FirstSync.IsCompleted);
        Assert.Equal(Old, await client.FindAsync("user.old"));
        Assert.Null(await client.FindAsync("user.x"));

        master.ReleaseDump();

        await WaitForAsync(() => slave.Replicator.Resyncs == 1, "no resync after the dump was released");
        Assert.Null(await client.FindAsync("user.old"));
        Assert.Equal(UserX, await client.FindAsync("user.x"));
        Assert.NotEqual(1, slave.Store.ReadState(Replicator.SyncedStateKey));
    }

    [Fact(Timeout = 20_000)]
    public async Task RejectedResyncKeepsSlaveUnsynchronized()
    {
        var replica = Enumerable.Range(0, 20).Select(i => MailboxRecord.Active($"user.u{i:D2}", "be1!p", "")).ToArray();
        await using var master = new FakeMaster { Dump = [] };
        await using var slave = await SlaveHarness.StartAsync(
            master,
            options => options with { GuardEntries = 10 },
            store => store.WriteAllAsync([.. replica.Select(WriteRequest.Put)]));
        var connection = await slave.ConnectRawAsync();
        await using var disposeConnection = connection;
        await connection.LoginAsync();

        await WaitForAsync(() => master.ConnectionCount >= 2, "no retry after the rejection");
        await connection.SendAsync("F1 FIND \"user.u01\"\r\n");

        Assert.False(slave.IsSynchronized);
        Assert.StartsWith("F1 NO \"not synchronized yet", await connection.ReadLineAsync(), StringComparison.Ordinal);
        using var snapshot = slave.Store.OpenSnapshot();
        Assert.Equal(replica, snapshot.List());
    }

    [Fact(Timeout = 20_000)]
    public async Task ResyncAfterDropReachesChainedClient()
    {
        await using var master = new FakeMaster { Dump = [UserX, UserY] };
        await using var slave = await SlaveHarness.StartAsync(master);
        await WaitForAsync(() => slave.Replicator.IsLinked, "the slave never streamed");
        await using var client = await slave.LoginClientAsync();
        var subscription = await client.UpdateAsync();
        var movedY = MailboxRecord.Active("user.y", "be4!p", "y\tall\t");

        master.Dump = [movedY, UserZ];
        master.DisconnectAll();
        await WaitForAsync(() => slave.Replicator.Resyncs == 2, "no resync after the master came back");

        Assert.Equal([UserX, UserY], subscription.Snapshot);
        var changes = new List<UpdateEvent>();
        for (var i = 0; i < 3; i++)
        {
            var update = await subscription.ReadAsync(RawConnection.DefaultTimeout);
            Assert.NotNull(update);
            changes.Add(update);
        }

        Assert.Contains(changes, c => c.Kind == UpdateEventKind.Deleted && c.Name == "user.x");
        Assert.Contains(changes, c => c.Kind == UpdateEventKind.Changed && c.Record == movedY);
        Assert.Contains(changes, c => c.Kind == UpdateEventKind.Changed && c.Record == UserZ);
        await using var lister = await slave.LoginClientAsync();
        Assert.Equal([movedY, UserZ], await lister.ListAsync());
    }

    [Fact(Timeout = 20_000)]
    public async Task ChainedNoopAnsweredWhileLinkDown()
    {
        await using var master = new FakeMaster { Dump = [UserX] };
        await using var slave = await SlaveHarness.StartAsync(master);
        await WaitForAsync(() => slave.Replicator.IsLinked, "the slave never streamed");
        await using var client = await slave.LoginClientAsync();
        var subscription = await client.UpdateAsync();

        master.HoldDump();
        master.DisconnectAll();
        await WaitForAsync(() => !slave.Replicator.IsLinked, "the link never went down");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var noopTag = await subscription.SendNoopAsync();
        var status = await subscription.ReadAsync(RawConnection.DefaultTimeout);

        Assert.NotNull(status);
        Assert.Equal(UpdateEventKind.Status, status.Kind);
        Assert.Equal(noopTag, status.Tag);
        Assert.Equal("OK", status.Response.Word);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the OK took {watch.Elapsed} with no link to wait for");
    }

    /// <summary>Stores <see cref="Old"/> and marks the replica as synchronized by an earlier run.</summary>
    private static Task SeedSynchronizedAsync(SqliteMailboxStore store) => store.WriteAllAsync(
        [WriteRequest.Put(Old)],
        new Dictionary<string, long> { [Replicator.SyncedStateKey] = 1 });

    private static async Task WaitForAsync(Func<bool> condition, string failure) =>
        Assert.True(await TestServer.WaitUntilAsync(condition, Deadline), failure);
}
