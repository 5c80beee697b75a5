using System.Globalization;

namespace Mupdate.Bench;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: Mupdate.Bench [--self DIR | --host HOST --port PORT] [--user U --password P]
                             [--scenarios activate,find,dump,latency] [--clients N]
                             [--writes N] [--finds N] [--entries N] [--samples N]
                             [--slave-port PORT [--slave-host HOST] [--kick PATH]]

          --self DIR     start our master in this process, with its database in DIR
                         (use a directory on the disk under test; it is created and emptied)
          --host, --port an MUPDATE master to measure (ours or Cyrus's); default 127.0.0.1:3905
          --user, --password  an admin login (default mupdater / secret), sent with PLAIN
          --scenarios    which measurements to run (default all four)
          --clients      concurrent connections for activate (default 1,4,16)
          --writes       ACTIVATE commands per client count (default 2000)
          --finds        FIND commands from one client (default 20000)
          --entries      mailboxes in the list for the dump (default 100000)
          --samples      writes timed for latency (default 200)
          --slave-host, --slave-port  a slave of the master (ours or Cyrus's) for the
                         slave-latency and kick scenarios (default host 127.0.0.1)
          --kick PATH    that slave's kick socket, for the kick scenario

        Scenarios: activate, find, dump, latency (the default set), and:
          replica        our replicator in this process against the master: the first
                         resync of the whole list, then the rate at which it stores
                         streamed changes (needs no slave)
          slave-latency  ACTIVATE on the master to MAILBOX on the slave's UPDATE stream
          kick           ACTIVATE on the master, then a kick of the slave: the time to "ok",
                         after which FIND on the slave must find the mailbox

        """;

    public string? SelfDirectory { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 3905;

    public string User { get; init; } = "mupdater";

    public string Password { get; init; } = "secret";

    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string> { "activate", "find", "dump", "latency" };

    public IReadOnlyList<int> Clients { get; init; } = [1, 4, 16];

    public int Writes { get; init; } = 2000;

    public int Finds { get; init; } = 20000;

    public int Entries { get; init; } = 100_000;

    public int Samples { get; init; } = 200;

    public string SlaveHost { get; init; } = "127.0.0.1";

    public int? SlavePort { get; init; }

    public string? KickPath { get; init; }

    public bool Runs(string scenario) => Scenarios.Contains(scenario);

    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i + 1 < args.Length || (i < args.Length && args[i] is "-h" or "--help"); i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : "";
            options = args[i] switch
            {
                "--self" => options with { SelfDirectory = value },
                "--host" => options with { Host = value },
                "--port" => options with { Port = Number(value) },
                "--user" => options with { User = value },
                "--password" => options with { Password = value },
                "--scenarios" => options with { Scenarios = value.Split(',').ToHashSet() },
                "--clients" => options with { Clients = value.Split(',').Select(Number).ToArray() },
                "--writes" => options with { Writes = Number(value) },
                "--finds" => options with { Finds = Number(value) },
                "--entries" => options with { Entries = Number(value) },
                "--samples" => options with { Samples = Number(value) },
                "--slave-host" => options with { SlaveHost = value },
                "--slave-port" => options with { SlavePort = Number(value) },
                "--kick" => options with { KickPath = value },
                _ => null!,
            };
            if (options is null)
            {
                return null;
            }
        }

        return args.Length % 2 == 0 ? options : null;
    }

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
