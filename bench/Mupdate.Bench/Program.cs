using Mupdate.Bench;

// Measures an MUPDATE master over the wire, ours or Cyrus's: durable write rate, FIND rate, the
// time of a full UPDATE dump, and the delay from a write's OK to its arrival on an UPDATE stream.
// For a slave of it: our replicator's resync and apply rate, the stream delay through a slave, kicks.
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.Write(BenchOptions.Usage);
    return 64;
}

await using var target = await BenchTarget.StartAsync(options);
Console.WriteLine($"target: {target.Description}");
var results = new List<string>();

if (options.Runs("activate"))
{
    results.Add(await Scenarios.ActivateAsync(target, options));
}

if (options.Runs("find"))
{
    results.Add(await Scenarios.FindAsync(target, options));
}

if (options.Runs("dump"))
{
    results.Add(await Scenarios.DumpAsync(target, options));
}

if (options.Runs("latency"))
{
    results.Add(await Scenarios.LatencyAsync(target, options));
}

if (options.Runs("replica"))
{
    results.Add(await SlaveScenarios.ReplicaAsync(target, options));
}

if (options.Runs("slave-latency"))
{
    results.Add(await SlaveScenarios.SlaveLatencyAsync(target, options));
}

if (options.Runs("kick"))
{
    results.Add(await SlaveScenarios.KickAsync(target, options));
}

Console.WriteLine();
foreach (var line in results)
{
    Console.WriteLine(line);
}

return 0;
