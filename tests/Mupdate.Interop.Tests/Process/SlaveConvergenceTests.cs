using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// Our slave follows our master through a SIGKILL and a restart of the master. It serves FIND from
/// its replica the whole time, resyncs the changes made while it had no link and streams the ones
/// after, so that it ends with the master's exact list.
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
    /// Writes streamed before the crash, written to the restarted master before the slave can reach
    /// it (so they arrive by resync), and written after the resync (so they arrive by stream).
    /// </summary>
    private static readonly int[] s_batchSizes = [20, 500, 500];

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

        var master = await session.CreateServerAsync(
            new ServerProcessOptions { ServerName = "mupdate-master.test", OnDisk = true });
        await session.TimeAsync("start master", () => master.StartAsync(cancellationToken));
        await session.TimeAsync(
            $"seed {SeedCount} entries",
            () => MupdateSeeder.SeedAsync(
                master.Host, master.Port, master.AdminUser, master.AdminPassword, scenario.Seed, cancellationToken));

        // The slave reaches the master through a proxy, which the test closes to new connections so
        // that the first writes after the restart reach the slave by resync and not by stream.
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy slave -> master");
        var slave = await session.CreateServerAsync(new ServerProcessOptions
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
        });
        await session.TimeAsync("start slave", () => slave.StartAsync(cancellationToken, []));
        var slaveRun = slave.Process!;
        await session.TimeAsync(
            "first sync of the slave", () => WaitUntilSameListAsync(master, slave, "the first sync", cancellationToken));
        await Poll.UntilAsync(
            () => CountLines(slaveRun, ResyncedPrefix) == 1, "the slave logs its first resync", s_syncTimeout, cancellationToken);

        var prober = session.Track(
            await FindProber.StartAsync(slave, scenario.ProbeTargets(), seed, cancellationToken), "FIND prober");
        prober.Phase = PhaseLinked;
        await session.TimeAsync("stream the first batch", async () =>
        {
            await WriteAllAsync(master, scenario.Batches[0], model, cancellationToken);
            await WaitUntilSameListAsync(master, slave, "streaming the first batch", cancellationToken);
        });

        proxy.RefusesNewConnections = true;
        prober.Phase = PhaseMasterDown;
        var linkFailures = CountLines(slaveRun, LinkFailedPrefix);
        await session.TimeAsync("SIGKILL the master", master.KillAsync);
        Assert.Equal(137, master.Process!.ExitCode);
        await session.TimeAsync("wait for a failed reconnect of the slave", () => Poll.UntilAsync(
            () => CountLines(slaveRun, LinkFailedPrefix) >= linkFailures + 2,
            "the slave logs the lost link and one failed reconnect",
            TimeSpan.FromSeconds(10),
            cancellationToken));
        await session.TimeAsync(
            "read the replica while the master is down", () => CheckReplicaAsync(slave, model, cancellationToken));

        await session.TimeAsync("restart the master", () => master.StartAsync(cancellationToken));
        prober.Phase = PhaseMasterRestarted;
        var resyncBatch = scenario.Batches[1];
        var expectedResync = Summarize(resyncBatch, model);
        await session.TimeAsync(
            $"write {resyncBatch.Count} entries before the slave reconnects",
            () => WriteAllAsync(master, resyncBatch, model, cancellationToken));
        Assert.Equal(1, CountLines(slaveRun, ResyncedPrefix));

        proxy.RefusesNewConnections = false;
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
        Assert.True(CountLines(slaveRun, "Reconnecting to ") >= 2, "the slave logged no reconnect");
        Assert.Equal(proxy.ConnectionCount, proxy.Lines.Count(line => line.Text == "<refused>") + 2);
    });

    /// <summary>What a resync log line reports: entries in the dump, then the writes by kind.</summary>
    private sealed record ResyncCounts(int Entries, int Added, int Changed, int Removed);

    [GeneratedRegex(@"Resynchronized with \S+: (\d+) entries \((\d+) added, (\d+) changed, (\d+) removed\)")]
    private static partial Regex ResyncLine();

    private static ResyncCounts ParseResync(string line)
    {
        var match = ResyncLine().Match(line);
        Assert.True(match.Success, $"not a resync log line: {line}");
        int Group(int index) => int.Parse(match.Groups[index].Value, CultureInfo.InvariantCulture);
        return new ResyncCounts(Group(1), Group(2), Group(3), Group(4));
    }

    /// <summary>Returns what a resync from the state in <paramref name="model"/> to the state after <paramref name="writes"/> reports.</summary>
    private static ResyncCounts Summarize(IReadOnlyList<MailboxWrite> writes, Dictionary<string, MailboxEntry> model)
    {
        int added = 0, changed = 0, removed = 0;
        foreach (var write in writes)
        {
            var before = model.GetValueOrDefault(write.Name);
            var after = write.Apply(before);
            if (before is null)
            {
                added++;
            }
            else if (after is null)
            {
                removed++;
            }
            else if (after != before)
            {
                changed++;
            }
        }

        return new ResyncCounts(model.Count + added - removed, added, changed, removed);
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

        Assert.Fail($"the slave's LIST did not equal the master's within {s_syncTimeout.TotalSeconds:F0} s after {step}: {difference}");
    }

    /// <summary>
    /// Checks that a new session on the slave gets the replica: LIST equals the model, and FIND returns
    /// the model's entry for a sample of names.
    /// </summary>
    private static async Task CheckReplicaAsync(
        MupdateServerProcess slave, IReadOnlyDictionary<string, MailboxEntry> model, CancellationToken cancellationToken)
    {
        await using var client = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.AdminUser, slave.AdminPassword, cancellationToken);
        var expected = model.Values.OrderBy(entry => entry.Name, StringComparer.Ordinal).ToList();
        var listed = (await ListAsync(client, cancellationToken)).OrderBy(entry => entry.Name, StringComparer.Ordinal).ToList();
        var difference = DescribeDifference(expected, listed);
        Assert.True(difference.Length == 0, $"the slave's LIST while the master is down: {difference}");
        foreach (var entry in expected.Where((_, index) => index % 100 == 0))
        {
            var found = await client.FindAsync(entry.Name, cancellationToken);
            Assert.Equal(entry, found is null ? null : MailboxEntry.FromRecord(found));
        }
    }

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
            .Select(i => $"#{i}: expected {(i < expected.Count ? expected[i] : "(end)")}, got {(i < actual.Count ? actual[i] : "(end)")}");
        return $"expected {expected.Count} entries, got {actual.Count}; " + string.Join("; ", positions);
    }
}
