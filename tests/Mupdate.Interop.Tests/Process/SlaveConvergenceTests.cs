using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// Our slave follows our master through a SIGKILL and a restart of the master. It serves FIND from
/// its replica the whole time, resyncs the changes made while it had no link and streams the ones
/// after, so that it ends with the master's exact list. It also loses no write that the master
/// commits while the slave takes its dump and starts its stream.
/// </summary>
public sealed partial class SlaveConvergenceTests
{
    private const int SeedCount = 3_000;

    private const string ResyncedPrefix = "Resynchronized with ";

    private const string LinkFailedPrefix = "Link to the master ";

    private const string PhaseLinked = "linked";
    private const string PhaseMasterDown = "master down";
    private const string PhaseMasterRestarted = "master restarted, slave not linked";
    private const string PhaseRelinked = "relinked";

    /// <summary>
    /// The batch sizes. The first batch is being written when the master is killed. The second is
    /// written to the restarted master before the slave can reach it, so it arrives by resync, and the
    /// third after the resync, so it arrives by stream.
    /// </summary>
    private static readonly int[] s_batchSizes = [400, 500, 500];

    private static readonly TimeSpan s_syncTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The phases the prober counts replies in, in order. Each must get replies.</summary>
    private static readonly string[] s_proberPhases = [PhaseLinked, PhaseMasterDown, PhaseMasterRestarted, PhaseRelinked];

    [Fact(Timeout = 90_000)]
    public Task SlaveConvergesAfterMasterCrash() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var seed = Random.Shared.Next();
        session.Record($"random seed {seed}");
        var scenario = ReplicationScenario.Build(new Random(seed), SeedCount, s_batchSizes);
        var model = scenario.Seed.ToDictionary(entry => entry.Name, StringComparer.Ordinal);

        var master = await StartSeededMasterAsync(session, scenario.Seed);

        // The slave reaches the master through a proxy, which the test closes to new connections so
        // that the first writes after the restart reach the slave by resync and not by stream.
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy slave -> master");
        var slave = await session.CreateServerAsync(SlaveOptions(master, proxy));
        await session.TimeAsync("start slave", () => slave.StartAsync(cancellationToken, []));
        var slaveRun = slave.Process!;
        await session.TimeAsync(
            "first sync of the slave", () => WaitUntilSameListAsync(master, slave, "the first sync", cancellationToken));
        await Poll.UntilAsync(
            () => CountLines(slaveRun, ResyncedPrefix) == 1,
            "the slave logs its first resync",
            s_syncTimeout,
            cancellationToken);

        var prober = session.Track(
            await FindProber.StartAsync(slave, scenario.ProbeTargets(), seed, cancellationToken), "FIND prober");
        prober.Phase = PhaseLinked;
        var streamed = scenario.Batches[0];
        var interrupted = await InterruptedBatch.StartAsync(master, streamed, streamed.Count / 4, cancellationToken);
        await interrupted.EnoughAcknowledged.WaitAsync(cancellationToken);

        // From here until the first writes after the restart are made, the slave cannot reconnect.
        proxy.RejectConnections = true;
        prober.Phase = PhaseMasterDown;
        var linkFailures = CountLines(slaveRun, LinkFailedPrefix);
        await session.TimeAsync("SIGKILL the master while it streams", master.KillAsync);
        Assert.Equal(137, master.Process!.ExitCode);
        await interrupted.Completion.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        session.Record(
            $"{streamed.Count} writes at SIGKILL: {interrupted.Acknowledged} acknowledged, "
            + $"{interrupted.InFlight} in flight, {interrupted.NotSent} not sent");
        Assert.Empty(interrupted.Rejections);
        await session.TimeAsync("wait for a failed reconnect of the slave", () => Poll.UntilAsync(
            () => CountLines(slaveRun, LinkFailedPrefix) >= linkFailures + 2,
            "the slave logs the lost link and one failed reconnect",
            TimeSpan.FromSeconds(10),
            cancellationToken));

        var replica = await session.TimeAsync(
            "read the replica while the master is down",
            () => ReadReplicaAsync(slave, model, streamed, interrupted, cancellationToken));
        var streamedBeforeCrash = streamed.Count(write =>
            replica.GetValueOrDefault(write.Name) != model.GetValueOrDefault(write.Name));
        session.Record($"{streamedBeforeCrash} writes of that batch reached the replica");
        Assert.True(streamedBeforeCrash > 0, "no write of the first batch reached the slave before the SIGKILL");

        await session.TimeAsync("restart the master", () => master.StartAsync(cancellationToken));
        prober.Phase = PhaseMasterRestarted;
        model = await session.TimeAsync(
            "read what the restarted master kept",
            () => ReadKeptAsync(master, model, streamed, interrupted, cancellationToken));
        var resyncBatch = scenario.Batches[1];
        await session.TimeAsync(
            $"write {resyncBatch.Count} entries before the slave reconnects",
            () => WriteAllAsync(master, resyncBatch, model, cancellationToken));
        Assert.Equal(1, CountLines(slaveRun, ResyncedPrefix));
        var expectedResync = Diff(replica, model);

        proxy.RejectConnections = false;
        await session.TimeAsync("wait for the resync", () => Poll.UntilAsync(
            () => CountLines(slaveRun, ResyncedPrefix) >= 2,
            "the slave logs its second resync",
            s_syncTimeout,
            cancellationToken));
        var resync = ParseResync(slaveRun.Output.Split('\n').Last(line => line.Contains(ResyncedPrefix)));
        session.Record($"resync: {resync}; expected {expectedResync}");
        Assert.Equal(expectedResync, resync);

        prober.Phase = PhaseRelinked;
        var streamBatch = scenario.Batches[2];
        await session.TimeAsync($"write {streamBatch.Count} entries while the slave streams", async () =>
        {
            await WriteAllAsync(master, streamBatch, model, cancellationToken);
            await WaitUntilSameListAsync(master, slave, "streaming the last batch", cancellationToken);
        });

        await session.TimeAsync("stop the prober", prober.StopAsync);
        session.Record(prober.CollectDiagnostics());
        await AssertListEqualsModelAsync(master, model, cancellationToken);
        Assert.True(prober.FailureCount == 0, $"{prober.FailureCount} FINDs failed:\n{prober.CollectDiagnostics()}");
        Assert.Equal(1, prober.Logins);
        foreach (var phase in s_proberPhases)
        {
            Assert.True(prober.RepliesIn(phase) > 0, $"the prober got no reply in phase '{phase}'");
        }

        Assert.Same(slaveRun, slave.Process);
        Assert.False(slaveRun.HasExited, "the slave exited");
        var slaveLog = await File.ReadAllTextAsync(slave.LogPath, cancellationToken);
        Assert.Single(Regex.Matches(slaveLog, "Starting mupdate-dotnet"));
        Assert.Equal(2, CountLines(slaveRun, ResyncedPrefix));
        var reconnects = CountLines(slaveRun, "Reconnecting to ");
        Assert.True(
            reconnects >= 2,
            $"the slave logged {reconnects} reconnects, expected one after the SIGKILL and one after a refused connection");
        var relayed = proxy.ConnectionCount - proxy.Lines.Count(line => line.Text == "<rejected>");
        Assert.True(
            relayed == 2,
            $"the proxy relayed {relayed} connections of the slave, expected the first and the one after the restart");
    });

    [Fact(Timeout = 60_000)]
    public Task SlaveSyncsWhileMasterWrites() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var seed = Random.Shared.Next();
        session.Record($"random seed {seed}");
        var random = new Random(seed);
        var scenario = ReplicationScenario.Build(random, SeedCount, []);

        var master = await StartSeededMasterAsync(session, scenario.Seed);

        // The slave can reach the master only once the writers run, so its dump and the start of its
        // stream happen while the master commits writes.
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy slave -> master");
        proxy.RejectConnections = true;
        var slave = await session.CreateServerAsync(SlaveOptions(master, proxy));
        await session.TimeAsync("start slave", () => slave.StartAsync(cancellationToken, []));
        var slaveRun = slave.Process!;

        var writers = new ConcurrentWriters(master, random.Next());
        session.AddDiagnostics("concurrent writers", writers.Describe);
        var writing = writers.RunAsync(cancellationToken);
        await Poll.UntilAsync(() => writers.Acknowledged > 0, "the writers get an OK", s_syncTimeout, cancellationToken);
        proxy.RejectConnections = false;
        await session.TimeAsync("wait for the first resync", () => Poll.UntilAsync(
            () => CountLines(slaveRun, ResyncedPrefix) == 1,
            "the slave logs its first resync",
            s_syncTimeout,
            cancellationToken));
        var beforeResync = writers.Acknowledged;
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        writers.Stop();
        await writing.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        session.Record($"{writers.Acknowledged} writes acknowledged, {beforeResync} of them before the resync was logged");

        Assert.Empty(writers.Failures);
        Assert.True(writers.Acknowledged > beforeResync, "no write was acknowledged after the resync");
        await session.TimeAsync(
            "wait until the slave's LIST equals the master's",
            () => WaitUntilSameListAsync(master, slave, "the writers stopped", cancellationToken));
        var model = scenario.Seed.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
        foreach (var (name, entry) in writers.States())
        {
            if (entry is not null)
            {
                model[name] = entry;
            }
        }

        await AssertListEqualsModelAsync(master, model, cancellationToken);
        Assert.Equal(1, CountLines(slaveRun, ResyncedPrefix));
    });

    /// <summary>Starts our master with its database on disk and seeds it with <paramref name="seed"/>.</summary>
    private static async Task<MupdateServerProcess> StartSeededMasterAsync(
        InteropSession session, IReadOnlyList<MailboxEntry> seed)
    {
        var master = await session.CreateServerAsync(
            new ServerProcessOptions { ServerName = "mupdate-master.test", OnDisk = true });
        await session.TimeAsync("start master", () => master.StartAsync(session.CancellationToken));
        await session.TimeAsync(
            $"seed {seed.Count} entries",
            () => MupdateSeeder.SeedAsync(
                master.Host, master.Port, master.AdminUser, master.AdminPassword, seed, session.CancellationToken));
        return master;
    }

    private static ServerProcessOptions SlaveOptions(MupdateServerProcess master, RecordingProxy proxy) => new()
    {
        ServerName = "mupdate-slave.test",
        OnDisk = true,
        ExtraConfig = new Dictionary<string, string>
        {
            ["mupdate_server"] = $"{proxy.Host}:{proxy.Port}",
            ["mupdate_authname"] = master.AdminUser,
            ["mupdate_password"] = master.AdminPassword,
            ["mupdate_retry_delay"] = "1",
            ["mupdate_master_timeout"] = "5s",
        },
    };

    /// <summary>What a resync log line reports: entries in the dump, then the writes by kind.</summary>
    private sealed record ResyncCounts(int Entries, int Added, int Changed, int Removed);

    [GeneratedRegex(@"Resynchronized with \S+: (\d+) entries \((\d+) added, (\d+) changed, (\d+) removed;")]
    private static partial Regex ResyncLine();

    private static ResyncCounts ParseResync(string line)
    {
        var match = ResyncLine().Match(line);
        Assert.True(match.Success, $"not a resync log line: {line}");
        int Group(int index) => int.Parse(match.Groups[index].Value, CultureInfo.InvariantCulture);
        return new ResyncCounts(Group(1), Group(2), Group(3), Group(4));
    }

    /// <summary>Returns what a resync that turns <paramref name="replica"/> into <paramref name="target"/> reports.</summary>
    private static ResyncCounts Diff(Dictionary<string, MailboxEntry> replica, Dictionary<string, MailboxEntry> target)
    {
        var added = target.Keys.Count(name => !replica.ContainsKey(name));
        var removed = replica.Keys.Count(name => !target.ContainsKey(name));
        var changed = target.Count(pair => replica.TryGetValue(pair.Key, out var old) && old != pair.Value);
        return new ResyncCounts(target.Count, added, changed, removed);
    }

    private static int CountLines(ChildProcess process, string text) =>
        process.Output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>
    /// Sends every write on <see cref="MupdateSeeder.Connections"/> admin connections (write i on connection
    /// i mod that), requires OK for each and applies it to <paramref name="model"/>.
    /// </summary>
    private static async Task WriteAllAsync(
        MupdateServerProcess server,
        IReadOnlyList<MailboxWrite> writes,
        Dictionary<string, MailboxEntry> model,
        CancellationToken cancellationToken)
    {
        var failures = new ConcurrentQueue<string>();
        var connections = Math.Min(MupdateSeeder.Connections, writes.Count);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            await using var client = await MupdateLogin.ConnectAsync(
                server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken);
            for (var i = worker; i < writes.Count; i += connections)
            {
                try
                {
                    await writes[i].SendAsync(client, cancellationToken);
                }
                catch (MupdateCommandException ex)
                {
                    failures.Enqueue($"{writes[i]} => {ex.Status} \"{ex.Text}\"");
                }
            }
        }));
        Assert.True(failures.IsEmpty, $"the master rejected {failures.Count} writes:\n{string.Join('\n', failures.Take(10))}");

        foreach (var write in writes)
        {
            if (write.Apply(model.GetValueOrDefault(write.Name)) is { } entry)
            {
                model[write.Name] = entry;
            }
            else
            {
                model.Remove(write.Name);
            }
        }
    }

    /// <summary>
    /// Polls LIST on both servers until the slave's output equals the master's, entry for entry and in
    /// order. A NO from a slave that has not synchronized yet counts as a difference.
    /// </summary>
    private static async Task WaitUntilSameListAsync(
        MupdateServerProcess master, MupdateServerProcess slave, string step, CancellationToken cancellationToken)
    {
        await using var masterClient = await MupdateLogin.ConnectAsync(
            master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
        await using var slaveClient = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.AdminUser, slave.AdminPassword, cancellationToken);
        var difference = "no LIST finished";
        var deadline = DateTime.UtcNow + s_syncTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var expected = await ListAsync(masterClient, cancellationToken);
            try
            {
                var actual = await ListAsync(slaveClient, cancellationToken);
                difference = DescribeDifference(expected, actual);
            }
            catch (MupdateCommandException ex) when (ex.Status == "NO")
            {
                difference = $"the slave replied NO to LIST: \"{ex.Text}\"";
            }

            if (difference.Length == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        Assert.Fail(
            $"the slave's LIST did not equal the master's within {s_syncTimeout.TotalSeconds:F0} s after {step}: {difference}");
    }

    /// <summary>
    /// Reads the slave's replica on a new session while its master is down and returns it. Every name the
    /// interrupted batch sent may be in its old or its new state, because the stream may have lagged,
    /// and every other name must be as in <paramref name="model"/>. FIND must return what LIST did.
    /// </summary>
    private static async Task<Dictionary<string, MailboxEntry>> ReadReplicaAsync(
        MupdateServerProcess slave,
        Dictionary<string, MailboxEntry> model,
        IReadOnlyList<MailboxWrite> streamed,
        InterruptedBatch interrupted,
        CancellationToken cancellationToken)
    {
        var listed = await ListCheckedAsync(
            slave,
            "the slave's LIST while the master is down",
            model,
            streamed,
            (index, before) => [before, .. interrupted.PossibleStates(index, before)],
            cancellationToken);

        await using var client = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.AdminUser, slave.AdminPassword, cancellationToken);
        foreach (var entry in listed.Where((_, index) => index % 100 == 0))
        {
            var found = await client.FindAsync(entry.Name, cancellationToken);
            Assert.Equal(entry, found is null ? null : MailboxEntry.FromRecord(found));
        }

        return listed.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads the restarted master's list and returns it as the new model. It must have kept every write
    /// that got OK, lost none of the older entries and applied each write that got no reply either whole
    /// or not at all.
    /// </summary>
    private static async Task<Dictionary<string, MailboxEntry>> ReadKeptAsync(
        MupdateServerProcess master,
        Dictionary<string, MailboxEntry> model,
        IReadOnlyList<MailboxWrite> streamed,
        InterruptedBatch interrupted,
        CancellationToken cancellationToken)
    {
        var listed = await ListCheckedAsync(
            master, "the restarted master's LIST", model, streamed, interrupted.PossibleStates, cancellationToken);
        return listed.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Runs LIST on a new session, checks the output with <see cref="CheckStates"/> and returns it. The
    /// failure message starts with <paramref name="listing"/>.
    /// </summary>
    private static async Task<List<MailboxEntry>> ListCheckedAsync(
        MupdateServerProcess server,
        string listing,
        Dictionary<string, MailboxEntry> model,
        IReadOnlyList<MailboxWrite> writes,
        Func<int, MailboxEntry?, IReadOnlyList<MailboxEntry?>> allowed,
        CancellationToken cancellationToken)
    {
        await using var client = await MupdateLogin.ConnectAsync(
            server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken);
        var listed = await ListAsync(client, cancellationToken);
        var problems = CheckStates(listed.ToDictionary(entry => entry.Name, StringComparer.Ordinal), model, writes, allowed);
        Assert.True(problems.Count == 0, $"{listing}:\n{string.Join('\n', problems)}");
        return listed;
    }

    /// <summary>
    /// Compares <paramref name="listed"/> with <paramref name="model"/>, where write i of
    /// <paramref name="writes"/> may have left any state <paramref name="allowed"/> returns for it.
    /// Returns the first problems found, or none.
    /// </summary>
    private static List<string> CheckStates(
        Dictionary<string, MailboxEntry> listed,
        Dictionary<string, MailboxEntry> model,
        IReadOnlyList<MailboxWrite> writes,
        Func<int, MailboxEntry?, IReadOnlyList<MailboxEntry?>> allowed)
    {
        var written = writes.Select((write, index) => (write.Name, index))
            .ToDictionary(pair => pair.Name, pair => pair.index, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var name in listed.Keys.Union(model.Keys).Union(written.Keys).Order(StringComparer.Ordinal))
        {
            var before = model.GetValueOrDefault(name);
            IReadOnlyList<MailboxEntry?> states = written.TryGetValue(name, out var index) ? allowed(index, before) : [before];
            var found = listed.GetValueOrDefault(name);
            if (!states.Contains(found))
            {
                problems.Add($"{name}: found {Describe(found)}, expected {string.Join(" or ", states.Select(Describe))}");
            }
        }

        return [.. problems.Take(10)];
    }

    private static string Describe(MailboxEntry? entry) => entry?.ToString() ?? "(absent)";

    private static async Task AssertListEqualsModelAsync(
        MupdateServerProcess master, IReadOnlyDictionary<string, MailboxEntry> model, CancellationToken cancellationToken)
    {
        await using var client = await MupdateLogin.ConnectAsync(
            master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
        var listed = (await ListAsync(client, cancellationToken)).OrderBy(entry => entry.Name, StringComparer.Ordinal).ToList();
        var expected = model.Values.OrderBy(entry => entry.Name, StringComparer.Ordinal).ToList();
        var difference = DescribeDifference(expected, listed);
        Assert.True(difference.Length == 0, $"the master's LIST differs from the writes it acknowledged: {difference}");
    }

    private static async Task<List<MailboxEntry>> ListAsync(MupdateClient client, CancellationToken cancellationToken) =>
        [.. (await client.ListAsync(cancellationToken: cancellationToken)).Select(MailboxEntry.FromRecord)];

    /// <summary>Returns "" when both lists are equal in order, else the counts and the first positions that differ.</summary>
    private static string DescribeDifference(List<MailboxEntry> expected, List<MailboxEntry> actual)
    {
        if (expected.SequenceEqual(actual))
        {
            return "";
        }

        var positions = Enumerable.Range(0, Math.Max(expected.Count, actual.Count))
            .Where(i => i >= expected.Count || i >= actual.Count || expected[i] != actual[i])
            .Take(5)
            .Select(i => $"#{i}: expected {EntryAt(expected, i)}, got {EntryAt(actual, i)}");
        return $"expected {expected.Count} entries, got {actual.Count}; " + string.Join("; ", positions);
    }

    private static string EntryAt(List<MailboxEntry> entries, int index) =>
        index < entries.Count ? entries[index].ToString() : "(end of the list)";
}
