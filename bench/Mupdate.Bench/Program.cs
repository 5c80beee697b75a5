using Mupdate.Bench;

// Measures an MUPDATE master over the wire, ours or Cyrus's: durable write rate, FIND rate, the
// time of a full UPDATE dump, and the delay from a write's OK to its arrival on an UPDATE stream.
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

Console.WriteLine();
foreach (var line in results)
{
    Console.WriteLine(line);
}

return 0;
