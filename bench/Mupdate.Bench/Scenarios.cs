using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Mupdate.Client;

namespace Mupdate.Bench;

/// <summary>The measurements; each returns one result line.</summary>
internal static class Scenarios
{
    internal static readonly string RunId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

    public static async Task<string> ActivateAsync(BenchTarget target, BenchOptions options)
    {
        await using (var warmup = await target.ConnectAsync())
        {
            for (var i = 0; i < 1000; i++)
            {
                await warmup.ActivateAsync($"user.bench{RunId}.warmup.m{i}", "bench1!default", "");
            }
        }

        var parts = new List<string>();
        foreach (var clients in options.Clients)
        {
            var perClient = Math.Max(1, options.Writes / clients);
            var connections = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => target.ConnectAsync()));
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(connections.Select((client, c) => Task.Run(async () =>
            {
                for (var i = 0; i < perClient; i++)
                {
                    await client.ActivateAsync($"user.bench{RunId}.c{clients}x{c}.m{i}", "bench1!default", "bench\tlrswipkxtecda\t");
                }
            })));
            watch.Stop();
            await DisposeAllAsync(connections);
            var rate = clients * perClient / watch.Elapsed.TotalSeconds;
            parts.Add($"{clients} clients: {rate:F0}/s");
            Console.WriteLine($"activate: {clients} clients x {perClient} writes in {watch.Elapsed.TotalSeconds:F2} s = {rate:F0}/s");
        }

        return "durable ACTIVATE: " + string.Join(", ", parts);
    }

    public static async Task<string> FindAsync(BenchTarget target, BenchOptions options)
    {
        await using var client = await target.ConnectAsync();
        var names = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var name = $"user.bench{RunId}.find.m{i}";
            await client.ActivateAsync(name, "bench1!default", "");
            names.Add(name);
        }

        // Warm-up: the first few thousand commands run before the JIT has optimized the server's
        // and the client's code, which a long-running server has long since done.
        for (var i = 0; i < 5000; i++)
        {
            await client.FindAsync(names[i % names.Count]);
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < options.Finds; i++)
        {
            if (await client.FindAsync(names[i % names.Count]) is null)
            {
                throw new InvalidOperationException($"FIND lost {names[i % names.Count]}");
            }
        }

        watch.Stop();
        var rate = options.Finds / watch.Elapsed.TotalSeconds;
        Console.WriteLine($"find: {options.Finds} in {watch.Elapsed.TotalSeconds:F2} s = {rate:F0}/s");
        return $"FIND from one client: {rate:F0}/s";
    }

    public static async Task<string> DumpAsync(BenchTarget target, BenchOptions options)
    {
        await using var client = await target.ConnectAsync();
        var existing = (await client.ListAsync()).Count;
        var missing = Math.Max(0, options.Entries - existing);
        if (missing > 0)
        {
            var seedWatch = Stopwatch.StartNew();
            await SeedAsync(target, missing);
            Console.WriteLine($"dump: seeded {missing} entries in {seedWatch.Elapsed.TotalSeconds:F1} s");
        }

        var list = Stopwatch.StartNew();
        var listed = (await client.ListAsync()).Count;
        list.Stop();

        await using var streaming = await target.ConnectAsync();
        var update = Stopwatch.StartNew();
        var subscription = await streaming.UpdateAsync();
        update.Stop();
        Console.WriteLine($"dump: LIST of {listed} in {list.Elapsed.TotalSeconds:F3} s, UPDATE of {subscription.Snapshot.Count} in {update.Elapsed.TotalSeconds:F3} s");
        return $"LIST of {listed}: {list.Elapsed.TotalSeconds:F3} s; UPDATE dump of {subscription.Snapshot.Count}: {update.Elapsed.TotalSeconds:F3} s";
    }

    public static async Task<string> LatencyAsync(BenchTarget target, BenchOptions options)
    {
        await using var streaming = await target.ConnectAsync();
        var delays = await StreamDelaysAsync(streaming, target, "benchlatency", "latency", options.Samples);
        var median = delays[delays.Length / 2];
        var p99 = delays[(int)(delays.Length * 0.99)];
        Console.WriteLine($"latency: {delays.Length} samples from ACTIVATE sent to MAILBOX received: median {median:F1} ms, p99 {p99:F1} ms, max {delays[^1]:F1} ms");
        return $"write to UPDATE stream: median {median:F1} ms, p99 {p99:F1} ms, max {delays[^1]:F1} ms";
    }

    /// <summary>
    /// Sends <paramref name="samples"/> ACTIVATEs for <paramref name="host"/> to the master, 20 ms
    /// apart, and returns the sorted delays in milliseconds until each arrives on <paramref name="streaming"/>.
    /// </summary>
    internal static async Task<double[]> StreamDelaysAsync(MupdateClient streaming, BenchTarget target, string host, string label, int samples)
    {
        var subscription = await streaming.UpdateAsync([host]);
        var received = new ConcurrentDictionary<string, long>();
        var reader = Task.Run(async () =>
        {
            while (received.Count < samples)
            {
                var change = await subscription.ReadAsync(TimeSpan.FromSeconds(60));
                if (change is { Kind: UpdateEventKind.Changed })
                {
                    received.TryAdd(change.Name, Stopwatch.GetTimestamp());
                }
            }
        });

        await using var writer = await target.ConnectAsync();
        var sent = new Dictionary<string, long>();
        for (var i = 0; i < samples; i++)
        {
            var name = $"user.bench{RunId}.{label}.m{i}";
            sent[name] = Stopwatch.GetTimestamp();
            await writer.ActivateAsync(name, $"{host}!default", "");
            await Task.Delay(20);
        }

        await reader;
        return sent.Select(pair => Stopwatch.GetElapsedTime(pair.Value, received[pair.Key]).TotalMilliseconds).Order().ToArray();
    }

    private static async Task SeedAsync(BenchTarget target, int count)
    {
        const int clients = 16;
        var connections = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => target.ConnectAsync()));
        await Task.WhenAll(connections.Select((client, c) => Task.Run(async () =>
        {
            for (var i = c; i < count; i += clients)
            {
                await client.ActivateAsync($"user.dump{i:D7}.Sent Items", $"be{i % 4}!default", $"dump{i}\tlrswipkxtecda\t");
            }
        })));
        await DisposeAllAsync(connections);
    }

    internal static async Task DisposeAllAsync(IEnumerable<MupdateClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
