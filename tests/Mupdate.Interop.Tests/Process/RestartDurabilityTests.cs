using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// SIGKILL (and, last, SIGTERM) in the middle of concurrent writes, then a restart on the same
/// directory: every write that got OK survives, and no write is half applied.
/// </summary>
public sealed class RestartDurabilityTests
{
    private const int Workers = 8;
    private const int NamesPerWorker = 25;

    /// <summary>
    /// The fewest OKs a round must collect before the kill, so that the check covers real load. With
    /// 8 workers on ext4 on a 2-CPU virtual machine, a round collected 3,700 to 5,300, so this leaves
    /// room for a much slower disk.
    /// </summary>
    private const int MinAcknowledgedPerRound = 50;

    /// <summary>How each round stops the server: three crashes, then one clean stop.</summary>
    private static readonly int[] s_stopSignals = [Posix.SigKill, Posix.SigKill, Posix.SigKill, Posix.SigTerm];

    [Fact(Timeout = 120_000)]
    public Task RestartKeepsAcknowledgedWrites() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var seed = Random.Shared.Next();
        session.Record($"random seed {seed}");
        var random = new Random(seed);

        // The database must be on a disk, because what reaches the disk is the point of the test.
        var server = await session.CreateServerAsync(new ServerProcessOptions { OnDisk = true });
        session.Record($"server directory {server.Directory}");
        await session.TimeAsync("first start", () => server.StartAsync(cancellationToken));
        var histories = Enumerable.Range(0, Workers)
            .Select(worker => (IReadOnlyList<NameHistory>)[.. Enumerable.Range(0, NamesPerWorker)
                .Select(index => new NameHistory(NameOf(worker, index)))])
            .ToList();
        session.AddDiagnostics("names with a write in flight", () => DescribeInFlight(histories));
        var sequence = 0L;

        for (var round = 1; round <= s_stopSignals.Length; round++)
        {
            var signal = s_stopSignals[round - 1];
            var signalName = signal == Posix.SigKill ? "SIGKILL" : "SIGTERM";
            var load = await session.TimeAsync(
                $"round {round}: load and {signalName}",
                () => LoadAndStopAsync(
                    server, histories, random, () => Interlocked.Increment(ref sequence), signal, cancellationToken));
            session.Record(
                $"round {round}: {load.Acknowledged} OKs, {load.InFlight} writes in flight at {signalName} "
                + $"after {load.StoppedAfter.TotalMilliseconds:F0} ms");
            Assert.Empty(load.Rejections);
            Assert.Empty(load.EarlyFailures);
            Assert.True(
                load.Acknowledged >= MinAcknowledgedPerRound,
                $"round {round} collected only {load.Acknowledged} OKs before {signalName}");
            Assert.Equal(signal == Posix.SigKill ? 137 : 0, server.Process!.ExitCode);

            await session.TimeAsync($"round {round}: restart", () => server.StartAsync(cancellationToken));
            var applied = await session.TimeAsync(
                $"round {round}: check", () => CheckAndSettleAsync(server, histories, cancellationToken));
            session.Record($"round {round}: {applied} of {load.InFlight} writes without a reply were applied");
            if (signal == Posix.SigTerm)
            {
                // A clean stop finishes the command a session runs and replies to it before the BYE, so a
                // write that got BYE instead of a reply was never read.
                Assert.Equal(0, applied);
            }
        }
    });

    private static string NameOf(int worker, int index)
    {
        var suffix = index % 3 == 0 ? $"Sent Items {index}" : $"m{index}";
        return string.Create(CultureInfo.InvariantCulture, $"user.w{worker}.{suffix}");
    }

    /// <summary>
    /// Connects every worker, lets them write for 300 to 800 ms and sends <paramref name="signal"/>
    /// while they still write. Each worker then ends on its BYE or lost connection.
    /// </summary>
    private static async Task<LoadResult> LoadAndStopAsync(
        MupdateServerProcess server,
        List<IReadOnlyList<NameHistory>> histories,
        Random random,
        Func<long> nextSequence,
        int signal,
        CancellationToken cancellationToken)
    {
        var clients = new List<MupdateClient>();
        try
        {
            foreach (var _ in histories)
            {
                clients.Add(await MupdateLogin.ConnectAsync(
                    server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken));
            }

            var result = new LoadResult();
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var workers = new List<Task>();
            for (var worker = 0; worker < histories.Count; worker++)
            {
                var client = clients[worker];
                var names = histories[worker];
                var workerRandom = new Random(random.Next());
                workers.Add(Task.Run(() => RunWorkerAsync(
                    client, names, workerRandom, nextSequence, result, stopping.Task, cancellationToken),
                    cancellationToken));
            }

            var stopwatch = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 800)), cancellationToken);
            stopping.SetResult();
            if (signal == Posix.SigKill)
            {
                await server.KillAsync();
            }
            else
            {
                Assert.NotNull(await server.TerminateAsync(TimeSpan.FromSeconds(10)));
            }

            result.StoppedAfter = stopwatch.Elapsed;
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            result.InFlight = histories.Sum(names => names.Count(history => history.InFlight is not null));
            return result;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Writes random names of its own, one command at a time, until a BYE or the connection is lost.</summary>
    private static async Task RunWorkerAsync(
        MupdateClient client,
        IReadOnlyList<NameHistory> names,
        Random random,
        Func<long> nextSequence,
        LoadResult result,
        Task stopping,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var history = names[random.Next(names.Count)];
            var write = MailboxWrite.Choose(random, history.Name, history.Expected, nextSequence());
            history.InFlight = write;
            try
            {
                await write.SendAsync(client, cancellationToken);
            }
            catch (MupdateCommandException ex) when (ex.Status == "BYE")
            {
                // The server shuts down: the write got no reply, as after a lost connection.
                ReportEnd(result, write, stopping, ex);
                return;
            }
            catch (MupdateCommandException ex)
            {
                // A NO or BAD is final: nothing was written, although the model expected the master to accept it.
                result.Rejections.Add($"{write} => {ex.Status} \"{ex.Text}\" ({history.Describe()})");
                history.InFlight = null;
                continue;
            }
            catch (Exception ex)
                when (ex is IOException or SocketException or MupdateProtocolException or ObjectDisposedException)
            {
                ReportEnd(result, write, stopping, ex);
                return;
            }

            history.Acknowledge(write);
            Interlocked.Increment(ref result.AcknowledgedCount);
        }
    }

    private static void ReportEnd(LoadResult result, MailboxWrite write, Task stopping, Exception ex)
    {
        if (!stopping.IsCompleted)
        {
            result.EarlyFailures.Add($"{write}: the connection ended before the server was stopped: {ex.Message}");
        }
    }

    /// <summary>
    /// Reads every name with FIND and with LIST from the restarted server, asserts that each is in a
    /// state its history explains and that no other name exists, then takes the found states as the
    /// start of the next round. Returns how many writes without a reply had been applied.
    /// </summary>
    private static async Task<int> CheckAndSettleAsync(
        MupdateServerProcess server, List<IReadOnlyList<NameHistory>> histories, CancellationToken cancellationToken)
    {
        await using var client = await MupdateLogin.ConnectAsync(
            server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken);
        var listed = (await client.ListAsync(cancellationToken: cancellationToken))
            .Select(MailboxEntry.FromRecord)
            .ToDictionary(entry => entry.Name, StringComparer.Ordinal);
        var all = histories.SelectMany(names => names).ToList();
        var known = all.Select(history => history.Name).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(listed.Keys, name => !known.Contains(name));

        var unexplained = new List<string>();
        var found = new Dictionary<NameHistory, MailboxEntry?>();
        foreach (var history in all)
        {
            var record = await client.FindAsync(history.Name, cancellationToken);
            var entry = record is null ? null : MailboxEntry.FromRecord(record);
            Assert.Equal(listed.GetValueOrDefault(history.Name), entry);
            if (!history.Explains(entry))
            {
                unexplained.Add($"found {entry?.ToString() ?? "(absent)"} for {history.Describe()}");
            }

            found[history] = entry;
        }

        Assert.True(
            unexplained.Count == 0,
            $"{unexplained.Count} names are in a state no prefix of their acknowledged writes explains:\n"
            + string.Join('\n', unexplained.Take(10)));

        var applied = 0;
        foreach (var (history, entry) in found)
        {
            if (history.InFlight is not null && entry != history.Expected)
            {
                applied++;
            }

            history.Settle(entry);
        }

        return applied;
    }

    private static string DescribeInFlight(List<IReadOnlyList<NameHistory>> histories) =>
        string.Join('\n', histories.SelectMany(names => names).Where(history => history.InFlight is not null)
            .Take(10).Select(history => history.Describe()));

    private sealed class LoadResult
    {
        public int AcknowledgedCount;

        public int Acknowledged => Volatile.Read(ref AcknowledgedCount);

        public int InFlight { get; set; }

        public TimeSpan StoppedAfter { get; set; }

        public ConcurrentBag<string> Rejections { get; } = [];

        public ConcurrentBag<string> EarlyFailures { get; } = [];
    }
}
