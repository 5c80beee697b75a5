using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Mupdate.Client;
using Mupdate.Replication;
using Mupdate.Store;

namespace Mupdate.Bench;

/// <summary>Measurements of a slave: ours in this process, or a running one (ours or Cyrus's).</summary>
internal static class SlaveScenarios
{
    public static async Task<string> ReplicaAsync(BenchTarget target, BenchOptions options)
    {
        int listed;
        await using (var client = await target.ConnectAsync())
        {
            listed = (await client.ListAsync()).Count;
        }

        var directory = Path.Combine(Path.GetTempPath(), $"mupdate-bench-replica-{Environment.ProcessId}");
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        try
        {
            await using var store = SqliteMailboxStore.Open(Path.Combine(directory, "replica.sqlite3"));
            var replicaOptions = new ReplicaOptions
            {
                Host = target.Host,
                Port = target.Port,
                AuthenticationId = options.User,
                Password = options.Password,
                Mechanism = "PLAIN",
            };
            await using var replicator = new Replicator(replicaOptions, store, NullLogger.Instance);
            var resync = Stopwatch.StartNew();
            replicator.Start();
            await replicator.FirstSync.WaitAsync(TimeSpan.FromMinutes(10));
            resync.Stop();
            Console.WriteLine($"replica: first resync of {listed} entries in {resync.Elapsed.TotalSeconds:F3} s");

            // Writes from 4 clients; the clock stops when the replica's store has the last of them.
            const int clients = 4;
            var perClient = Math.Max(1, options.Writes / clients);
            var expected = store.Revision + (long)clients * perClient;
            var connections = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => target.ConnectAsync()));
            var apply = Stopwatch.StartNew();
            await Task.WhenAll(connections.Select((client, c) => Task.Run(async () =>
            {
                for (var i = 0; i < perClient; i++)
                {
                    await client.ActivateAsync($"user.bench{Scenarios.RunId}.replica.c{c}.m{i}", "bench1!default", "");
                }
            })));
            await Scenarios.DisposeAllAsync(connections);
            while (store.Revision < expected)
            {
                if (apply.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new TimeoutException($"the replica reached revision {store.Revision} of {expected}");
                }

                await Task.Delay(1);
            }

            apply.Stop();
            var rate = clients * perClient / apply.Elapsed.TotalSeconds;
            Console.WriteLine($"replica: {clients * perClient} streamed changes stored in {apply.Elapsed.TotalSeconds:F2} s = {rate:F0}/s");
            return $"our replica: first resync of {listed}: {resync.Elapsed.TotalSeconds:F3} s; streamed writes from {clients} clients applied at {rate:F0}/s";
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static async Task<string> SlaveLatencyAsync(BenchTarget target, BenchOptions options)
    {
        var slavePort = options.SlavePort ?? throw new ArgumentException("slave-latency needs --slave-port");
        await using var streaming = await ConnectSlaveAsync(options, slavePort);
        var delays = await Scenarios.StreamDelaysAsync(streaming, target, "benchslave", "slave", options.Samples);
        var line = Summarize(delays);
        Console.WriteLine($"slave-latency: {delays.Length} samples from ACTIVATE on the master to MAILBOX from the slave: {line}");
        return "write to the slave's UPDATE stream: " + line;
    }

    public static async Task<string> KickAsync(BenchTarget target, BenchOptions options)
    {
        var slavePort = options.SlavePort ?? throw new ArgumentException("kick needs --slave-port");
        var kickPath = options.KickPath ?? throw new ArgumentException("kick needs --kick");
        await using var writer = await target.ConnectAsync();
        await using var reader = await ConnectSlaveAsync(options, slavePort);
        var delays = new List<double>();
        for (var i = 0; i < options.Samples; i++)
        {
            var name = $"user.bench{Scenarios.RunId}.kick.m{i}";
            await writer.ActivateAsync(name, "benchkick!default", "");
            var watch = Stopwatch.StartNew();
            var answer = await KickOnceAsync(kickPath);
            watch.Stop();
            if (answer != "ok")
            {
                throw new InvalidOperationException($"kick {i} got \"{answer}\" instead of ok");
            }

            if (await reader.FindAsync(name) is null)
            {
                throw new InvalidOperationException($"the slave did not have {name} after its kick returned ok");
            }

            delays.Add(watch.Elapsed.TotalMilliseconds);
        }

        var line = Summarize(delays.Order().ToArray());
        Console.WriteLine($"kick: {delays.Count} kicks after an ACTIVATE, each followed by a successful FIND: {line}");
        return "kick to ok: " + line;
    }

    private static async Task<MupdateClient> ConnectSlaveAsync(BenchOptions options, int port)
    {
        var client = await MupdateClient.ConnectAsync(options.SlaveHost, port);
        await client.AuthenticateAsync(options.User, options.Password);
        return client;
    }

    private static async Task<string> KickOnceAsync(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token);
        var buffer = new byte[16];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return System.Text.Encoding.ASCII.GetString(buffer, 0, total);
    }

    private static string Summarize(double[] sorted) =>
        $"median {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms, max {sorted[^1]:F1} ms";
}
