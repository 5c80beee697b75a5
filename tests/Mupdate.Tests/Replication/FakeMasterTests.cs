using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Mupdate.Client;
using Mupdate.Replication;
using Mupdate.Store;
using Mupdate.Tests.Integration;

namespace Mupdate.Tests.Replication;

/// <summary>
/// A real <see cref="Replicator"/>, store and slave server against <see cref="FakeMaster"/>: resync,
/// streaming, keepalives, drops, the delete guard, the slave's session rules and the kick socket.
/// </summary>
public sealed class FakeMasterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static readonly MailboxRecord A = MailboxRecord.Active("a", "be1!p", "anyone\tlrs\t");
    private static readonly MailboxRecord AB = MailboxRecord.Active("a.b", "be1!p", "");
    private static readonly MailboxRecord ADashB = MailboxRecord.Reserved("a-b", "be2!p");
    private static readonly MailboxRecord UserX = MailboxRecord.Active("user.x", "be2!p", "x\tlrswipkxtecda\t");
    private static readonly MailboxRecord UserCaretY = MailboxRecord.Active("user^y", "be3!p", "");

    /// <summary>
    /// The dump's records in Cyrus mailboxes.db order, where the hierarchy separator '.' sorts before every
    /// printable character and '^' sorts as a plain '.'. Under strcmp, "a-b" comes before "a.b".
    /// </summary>
    private static readonly MailboxRecord[] CyrusOrder = [A, AB, ADashB, UserX, UserCaretY];

    public static TheoryData<string> DumpOrders => ["strcmp", "reversed"];

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(DumpOrders))]
    public async Task ResyncMatchesDumpInAnyOrder(string order)
    {
        await using var master = new FakeMaster
        {
            Dump = order == "strcmp" ? [A, ADashB, AB, UserX, UserCaretY] : [.. CyrusOrder.Reverse()],
        };
        await using var slave = await SlaveHarness.StartAsync(master, seed: store => store.WriteAllAsync(
        [
            WriteRequest.Put(A with { Location = "be9!p" }),
            WriteRequest.Put(MailboxRecord.Reserved("a.b", "be1!p")),
            WriteRequest.Put(UserX),
            WriteRequest.Put(MailboxRecord.Active("old.gone", "be1!p", "")),
            WriteRequest.Put(MailboxRecord.Active("user.stale", "be4!p", "")),
        ]));

        await WaitForAsync(() => slave.Replicator.Resyncs >= 1, "no resync committed");
        await using var client = await slave.LoginClientAsync();
        var listed = await client.ListAsync();

        Assert.Equal(CyrusOrder, listed);
        Assert.Equal("mupdate", master.LastAuthenticationId);
        Assert.Equal(1, master.ConnectionCount);
    }

    [Fact(Timeout = 20_000)]
    public async Task UnifiedResyncKeepsLocalEntries()
    {
        var local = MailboxRecord.Active("user.local", "default", "local\tall\t");
        var remote = MailboxRecord.Active("user.remote", "be9!p", "");
        await using var master = new FakeMaster { Dump = [UserX] };
        await using var slave = await SlaveHarness.StartAsync(
            master,
            options => options with { Unified = true },
            store => store.WriteAllAsync([WriteRequest.Put(local), WriteRequest.Put(remote)]));

        await WaitForAsync(() => slave.Replicator.Resyncs == 1, "no resync committed");
        await using var client = await slave.LoginClientAsync();

        Assert.Equal([local, UserX], await client.ListAsync());
        Assert.Contains(
            slave.Logs.Entries,
            e => e.EventId == 6006 && e.Message.Contains("user.local", StringComparison.Ordinal));
    }

    [Fact(Timeout = 20_000)]
    public async Task LiteralStringsReplicate()
    {
        // Strings with bytes above 0x7F cannot be quoted, so the fake master sends them as {n} literals.
        var dumped = MailboxRecord.Active("user.jörg", "be1!p", "jörg\tall\t");
        var streamed = MailboxRecord.Reserved("user.zoë", "be2!p");
        await using var master = new FakeMaster { Dump = [dumped] };
        await using var slave = await StartStreamingAsync(master);
        Assert.Equal(dumped, slave.Store.Find("user.jörg"));

        await master.PushAsync(streamed);
        await master.PushDeleteAsync("user.jörg");
        await master.PushAsync(dumped with { Location = "be3!p" });
        var kicked = await slave.KickAsync(CancellationToken.None).WaitAsync(Deadline);

        Assert.True(kicked);
        Assert.Equal(streamed, slave.Store.Find("user.zoë"));
        Assert.Equal(dumped with { Location = "be3!p" }, slave.Store.Find("user.jörg"));
    }

    [Fact(Timeout = 20_000)]
    public async Task NameNotUtf8IsSkippedAlone()
    {
        // Cyrus 3.6 stores and lists any bytes; one such name must not stop the whole resync.
        await using var master = new FakeMaster
        {
            Dump = [A, UserX],
            RawDumpNames = [[.. "user.bad"u8, 0xFF, 0xFE]],
        };
        await using var slave = await SlaveHarness.StartAsync(master);
        await slave.Replicator.FirstSync.WaitAsync(Deadline);

        using (var snapshot = slave.Store.OpenSnapshot())
        {
            Assert.Equal([A, UserX], snapshot.List().ToArray());
        }

        var skipped = Assert.Single(slave.Logs.Entries, e => e.EventId == 6008);
        Assert.Contains("user.bad\uFFFD\uFFFD", skipped.Message, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8 on the master", skipped.Message, StringComparison.Ordinal);
        Assert.Contains(slave.Logs.Entries, e => e.EventId == 6001 && e.Message.Contains("1 invalid entries skipped", StringComparison.Ordinal));
    }

    [Fact(Timeout = 20_000)]
    public async Task StreamedInvalidEntriesAreEachNamed()
    {
        await using var master = new FakeMaster { Dump = [UserX] };
        await using var slave = await StartStreamingAsync(master);

        await master.PushAsync(MailboxRecord.Active("user.ctl\u0001a", "be1!p", ""));
        await master.PushAsync(MailboxRecord.Active("user.ctl\u0001b", "be1!p", ""));
        await master.PushAsync(MailboxRecord.Active("user.fine", "be1!p", ""));
        Assert.True(await slave.Replicator.KickAsync(CancellationToken.None).WaitAsync(Deadline));

        var skipped = slave.Logs.Entries.Where(e => e.EventId == 6008).Select(e => e.Message).ToList();
        Assert.Equal(2, skipped.Count);
        Assert.Contains("user.ctl?a", skipped[0], StringComparison.Ordinal);
        Assert.Contains("user.ctl?b", skipped[1], StringComparison.Ordinal);
        Assert.NotNull(slave.Store.Find("user.fine"));
        Assert.Null(slave.Store.Find("user.ctl\u0001a"));
    }

    [Fact(Timeout = 20_000)]
    public async Task LateNoopKeepsLinkAndDelaysKick()
    {
        await using var master = new FakeMaster
        {
            Dump = [UserX],
            NoopAnswer = NoopAnswer.Delayed,
            NoopDelay = TimeSpan.FromSeconds(1),
        };
        await using var slave = await StartStreamingAsync(master);

        var noopsBefore = master.NoopsReceived;
        var kick = slave.KickAsync(CancellationToken.None);
        await WaitForAsync(() => master.NoopsReceived > noopsBefore, "the kick sent no NOOP");
        var sinceNoop = Stopwatch.StartNew();
        var streamed = MailboxRecord.Active("user.late", "be5!p", "");
        var withOk = MailboxRecord.Active("user.with-ok", "be5!p", "");
        await master.PushAsync(streamed);
        master.PushWithNextNoopOk(withOk);

        Assert.False(kick.IsCompleted, "the kick completed before the master answered its NOOP");
        var outcome = await kick.WaitAsync(Deadline).ContinueWith(
            done => (Kicked: done.Result, Answered: master.NoopsAnswered, Streamed: slave.Store.Find("user.late"),
                WithOk: slave.Store.Find("user.with-ok")),
            TaskScheduler.Default);

        Assert.True(outcome.Kicked);
        Assert.True(outcome.Answered >= 1, "the kick completed before any NOOP OK was sent");
        var kickTime = sinceNoop.Elapsed;
        Assert.True(kickTime >= TimeSpan.FromMilliseconds(900), $"the kick completed {kickTime} after its NOOP");
        Assert.Equal(streamed, outcome.Streamed);
        Assert.Equal(withOk, outcome.WithOk);

        // A keepalive whose OK comes just as late keeps the link too.
        var answered = master.NoopsAnswered;
        await WaitForAsync(() => master.NoopsAnswered > answered, "no keepalive was answered");
        Assert.True(slave.Replicator.IsLinked);
        Assert.Equal(1, master.ConnectionCount);
        Assert.Equal(1, slave.Replicator.Resyncs);
    }

    [Fact(Timeout = 20_000)]
    public async Task KickDuringFloodIsAnswered()
    {
        await using var master = new FakeMaster { Dump = [UserX] };
        await using var slave = await StartStreamingAsync(master);

        // The master streams without a pause, so the link's input never goes quiet.
        using var stopFlood = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            for (var i = 0; !stopFlood.IsCancellationRequested; i++)
            {
                await master.PushAsync(MailboxRecord.Active($"user.flood.m{i}", "be7!p", ""));
            }
        });
        await WaitForAsync(() => slave.Store.Find("user.flood.m100") is not null, "the flood did not reach the store");

        var noopsBefore = master.NoopsReceived;
        var kicked = await slave.KickAsync(CancellationToken.None).WaitAsync(Deadline);
        var stillFlooding = !flood.IsCompleted;
        await stopFlood.CancelAsync();
        await flood;

        Assert.True(kicked);
        Assert.True(stillFlooding, "the flood ended before the kick was answered");
        Assert.True(master.NoopsReceived > noopsBefore, "the kick was answered without a NOOP");
        Assert.Equal(1, master.ConnectionCount);
    }

    [Fact(Timeout = 20_000)]
    public async Task KickDuringKeepaliveWaitsForOwnNoop()
    {
        await using var master = new FakeMaster
        {
            Dump = [UserX],
            NoopAnswer = NoopAnswer.Delayed,
            NoopDelay = TimeSpan.FromSeconds(1),
        };
        await using var slave = await StartStreamingAsync(master);

        // Nothing kicked yet, so the first NOOP is the keepalive after a second of silence.
        await WaitForAsync(() => master.NoopsReceived == 1, "no keepalive NOOP");
        Assert.Equal(0, master.NoopsAnswered);
        var kicked = await slave.KickAsync(CancellationToken.None).WaitAsync(Deadline);

        Assert.True(kicked);
        Assert.True(master.NoopsReceived >= 2, "the kick shared the keepalive's NOOP, which it arrived after");
        Assert.True(master.NoopsAnswered >= 2, "the kick completed before its own NOOP's OK");
    }

    [Fact(Timeout = 20_000)]
    public async Task SilentMasterIsDroppedAndRedialed()
    {
        await using var master = new FakeMaster { Dump = [UserX], NoopAnswer = NoopAnswer.Never };
        await using var slave = await SlaveHarness.StartAsync(
            master,
            options => options with { MasterTimeout = TimeSpan.FromSeconds(1) });
        await WaitForAsync(() => slave.Replicator.Resyncs == 1, "no first resync");
        await using var client = await slave.LoginClientAsync();

        var finds = 0;
        var watch = Stopwatch.StartNew();
        while (master.ConnectionCount < 2)
        {
            Assert.True(watch.Elapsed < Deadline, "the slave never redialed its silent master");
            Assert.Equal(UserX, await client.FindAsync("user.x"));
            finds++;
            await Task.Delay(50);
        }

        await WaitForAsync(() => slave.Replicator.Resyncs == 2, "no second resync");
        Assert.Equal(UserX, await client.FindAsync("user.x"));
        Assert.True(finds >= 10, $"only {finds} FINDs ran while the link was down");
        Assert.True(master.NoopsReceived >= 1);
        Assert.Equal(0, master.NoopsAnswered);
        Assert.Contains(
            slave.Logs.Entries,
            e => e.EventId == 6002 && e.Message.Contains("did not answer NOOP", StringComparison.Ordinal));
    }

    [Fact(Timeout = 25_000)]
    public async Task EmptyDumpRejectedUntilGuardLifted()
    {
        const int ReplicaSize = 2000;
        var replica = Enumerable.Range(0, ReplicaSize)
            .Select(i => MailboxRecord.Active($"user.u{i:D4}", "be1!p", ""))
            .ToArray();
        await using var master = new FakeMaster { Dump = [] };
        await using var slave = await SlaveHarness.StartAsync(
            master,
            options => options with { GuardEntries = 1000, DeletePercentMax = 50 },
            store => store.WriteAllAsync(
                [.. replica.Select(WriteRequest.Put)],
                new Dictionary<string, long> { [Replicator.SyncedStateKey] = 1 }));
        await using var client = await slave.LoginClientAsync();

        await WaitForAsync(() => master.ConnectionCount >= 2, "no retry after the rejection");
        Assert.Equal(0, slave.Replicator.Resyncs);
        Assert.True(slave.IsSynchronized);
        Assert.Equal(replica[1234], await client.FindAsync("user.u1234"));
        Assert.Equal(ReplicaSize, (await client.ListAsync()).Count);
        Assert.Contains(slave.Logs.Entries, e => e.EventId == 6005);
        Assert.DoesNotContain(slave.Logs.Entries, e => e.EventId == 6002);

        // Each refusal doubles the wait: 2 s after the first (1 s retry delay), so no third try yet.
        Assert.Equal(2, master.ConnectionCount);

        await slave.ReplaceReplicatorAsync(options => options with { DeletePercentMax = 100 });

        await WaitForAsync(() => slave.Replicator.Resyncs == 1, "the resync was not applied");
        Assert.Null(await client.FindAsync("user.u1234"));
        Assert.Empty(await client.ListAsync());
    }

    [Fact(Timeout = 20_000)]
    public async Task SessionRulesBeforeAndAfterSync()
    {
        await using var master = new FakeMaster { Dump = [UserX] };
        master.HoldDump();
        await using var slave = await SlaveHarness.StartAsync(master);
        var connection = await RawConnection.ConnectAsync(slave.Port);
        await using var disposeConnection = connection;
        var banner = await connection.ReadBannerAsync();
        await connection.LoginAsync();
        await WaitForAsync(() => master.ConnectionCount == 1, "the slave never dialed");

        Assert.EndsWith($" \"mupdate://{slave.MasterAddress}\"", banner[^1], StringComparison.Ordinal);
        Assert.StartsWith($"* OK MUPDATE \"{SlaveHarness.ServerName}\"", banner[^1], StringComparison.Ordinal);
        foreach (var command in new[] { "F1 FIND \"user.x\"", "L1 LIST" })
        {
            await connection.SendAsync(command + "\r\n");
            var tag = command[..2];
            var expected = $"{tag} NO \"not synchronized yet: this slave has no complete copy of the master's list\"";
            Assert.Equal(expected, await connection.ReadLineAsync());
        }

        await AssertWritesRejectedAsync(connection, "W");

        // UPDATE is held rather than refused: Cyrus 3.6's slave would take a NO as an empty list.
        var streaming = await RawConnection.ConnectAsync(slave.Port);
        await using var disposeStreaming = streaming;
        await streaming.ReadBannerAsync();
        await streaming.LoginAsync();
        await streaming.SendAsync("U1 UPDATE\r\n");
        Assert.True(await streaming.StaysSilentAsync(TimeSpan.FromMilliseconds(500)), "UPDATE was answered before the first sync");

        master.ReleaseDump();
        await slave.Replicator.FirstSync.WaitAsync(Deadline);
        var dump = await streaming.ReadUntilTaggedStatusAsync("U1");
        Assert.Equal(2, dump.Count);
        Assert.Equal("U1 MAILBOX \"user.x\" \"be2!p\" \"x\tlrswipkxtecda\t\"\r\n", dump[0].Text);
        Assert.StartsWith("U1 OK ", dump[1].Text, StringComparison.Ordinal);
        await connection.SendAsync("F2 FIND \"user.x\"\r\n");
        var found = await connection.ReadUntilTaggedStatusAsync("F2");

        Assert.Equal(2, found.Count);
        Assert.Equal("F2 MAILBOX \"user.x\" \"be2!p\" \"x\tlrswipkxtecda\t\"\r\n", found[0].Text);
        Assert.StartsWith("F2 OK ", found[1].Text, StringComparison.Ordinal);
        await AssertWritesRejectedAsync(connection, "V");
        Assert.Equal(UserX, slave.Store.Find("user.x"));
        Assert.Null(slave.Store.Find("user.new"));
    }

    [Fact(Timeout = 20_000)]
    public async Task ChainedClientGetsDumpThenStream()
    {
        await using var master = new FakeMaster { Dump = [UserX, A] };
        await using var slave = await StartStreamingAsync(master);
        await using var client = await slave.LoginClientAsync();

        var subscription = await client.UpdateAsync();
        var added = MailboxRecord.Active("user.chain", "be6!p", "c\tlrs\t");
        var reserved = MailboxRecord.Reserved("user.held", "be7!p");
        await master.PushAsync(added);
        await master.PushDeleteAsync("a");
        await master.PushAsync(reserved);

        Assert.Equal([A, UserX], subscription.Snapshot);
        var first = await ReadChangeAsync(subscription);
        Assert.Equal(UpdateEventKind.Changed, first.Kind);
        Assert.Equal(added, first.Record);
        var second = await ReadChangeAsync(subscription);
        Assert.Equal(UpdateEventKind.Deleted, second.Kind);
        Assert.Equal("a", second.Name);
        var third = await ReadChangeAsync(subscription);
        Assert.Equal(UpdateEventKind.Changed, third.Kind);
        Assert.Equal(reserved, third.Record);

        // The slave sends the chained client's NOOP OK only after a round trip to the master, and after
        // the change the master sent just before its own NOOP OK.
        var noopsBefore = master.NoopsAnswered;
        var withOk = MailboxRecord.Active("user.with-ok", "be6!p", "");
        master.PushWithNextNoopOk(withOk);
        var noopTag = await subscription.SendNoopAsync();
        var beforeOk = await ReadChangeAsync(subscription);
        Assert.Equal(UpdateEventKind.Changed, beforeOk.Kind);
        Assert.Equal(withOk, beforeOk.Record);
        var status = await ReadChangeAsync(subscription);
        Assert.Equal(UpdateEventKind.Status, status.Kind);
        Assert.Equal(noopTag, status.Tag);
        Assert.Equal("OK", status.Response.Word);
        Assert.True(master.NoopsAnswered > noopsBefore, "the slave answered NOOP without asking its master");
    }

    [Fact(Timeout = 20_000)]
    public async Task KickSocketWaitsForRoundTrip()
    {
        await using var master = new FakeMaster
        {
            Dump = [UserX],
            NoopAnswer = NoopAnswer.Delayed,
            NoopDelay = TimeSpan.FromMilliseconds(500),
        };
        await using var slave = await StartStreamingAsync(master);
        using var socketDirectory = new KickSocketDirectory();
        var logger = slave.Logs.CreateLogger("Mupdate.Kick");
        await using var listener = new KickListener(socketDirectory.Path, slave, 16, Deadline, logger);
        Assert.True(listener.Start());

        var noopsBefore = master.NoopsReceived;
        var watch = Stopwatch.StartNew();
        var answer = await KickAsync(socketDirectory.Path);

        Assert.Equal("ok", answer);
        Assert.True(master.NoopsReceived > noopsBefore, "no NOOP went to the master");
        Assert.True(master.NoopsAnswered >= 1, "ok arrived before the master answered a NOOP");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(400), $"ok arrived after {watch.Elapsed}");
    }

    [Fact(Timeout = 20_000)]
    public async Task KickSocketClosesWhileLinkDown()
    {
        await using var master = new FakeMaster { Dump = [UserX] };
        await using var slave = await StartStreamingAsync(master);
        using var socketDirectory = new KickSocketDirectory();
        var logger = slave.Logs.CreateLogger("Mupdate.Kick");
        await using var listener = new KickListener(socketDirectory.Path, slave, 16, Deadline, logger);
        Assert.True(listener.Start());

        master.HoldDump();
        master.DisconnectAll();
        await WaitForAsync(() => !slave.Replicator.IsLinked, "the link never went down");
        var watch = Stopwatch.StartNew();
        var answer = await KickAsync(socketDirectory.Path);

        Assert.Equal("", answer);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the kick waited {watch.Elapsed} before the close");
        Assert.True(slave.IsSynchronized);
    }

    [Fact(Timeout = 10_000)]
    public async Task KickSocketOnMasterAnswersAtOnce()
    {
        using var socketDirectory = new KickSocketDirectory();
        await using var listener = new KickListener(
            socketDirectory.Path, ImmediateKickTarget.Instance, 16, Deadline, NullLogger.Instance);
        Assert.True(listener.Start());

        var watch = Stopwatch.StartNew();
        var answer = await KickAsync(socketDirectory.Path);

        Assert.Equal("ok", answer);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"ok arrived after {watch.Elapsed}");
    }

    /// <summary>Starts a slave of <paramref name="master"/> and waits until it streams.</summary>
    private static async Task<SlaveHarness> StartStreamingAsync(FakeMaster master)
    {
        var slave = await SlaveHarness.StartAsync(master);
        if (!await TestServer.WaitUntilAsync(() => slave.Replicator.IsLinked, Deadline))
        {
            await slave.DisposeAsync();
            Assert.Fail("the slave never streamed from the fake master");
        }

        return slave;
    }

    private static async Task WaitForAsync(Func<bool> condition, string failure) =>
        Assert.True(await TestServer.WaitUntilAsync(condition, Deadline), failure);

    private static async Task AssertWritesRejectedAsync(RawConnection connection, string tagPrefix)
    {
        string[] writes =
        [
            "ACTIVATE \"user.new\" \"be1!p\" \"\"",
            "RESERVE \"user.new\" \"be1!p\"",
            "DEACTIVATE \"user.x\" \"be1!p\"",
            "DELETE \"user.x\"",
        ];
        for (var i = 0; i < writes.Length; i++)
        {
            var tag = tagPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await connection.SendAsync($"{tag} {writes[i]}\r\n");
            Assert.Equal($"{tag} BAD \"read-only session\"", await connection.ReadLineAsync());
        }
    }

    private static async Task<UpdateEvent> ReadChangeAsync(UpdateSubscription subscription)
    {
        var update = await subscription.ReadAsync(RawConnection.DefaultTimeout);
        Assert.NotNull(update);
        return update;
    }

    private static Task<string> KickAsync(string path) => KickClient.KickAsync(path, Deadline);

    /// <summary>A private temporary directory whose <c>socket/mupdate.target</c> is the kick socket path.</summary>
    private sealed class KickSocketDirectory : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("mupdate-kick-").FullName;

        public string Path => System.IO.Path.Combine(_root, "socket", "mupdate.target");

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}
