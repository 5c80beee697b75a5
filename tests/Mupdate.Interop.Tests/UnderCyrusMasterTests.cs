using Mupdate.Interop.Tests.Harness;
using Mupdate.Store;

namespace Mupdate.Interop.Tests;

/// <summary>
/// Our server as a service of Cyrus's master(8): cyrus.conf names our program, master(8) binds the
/// port, drops to user cyrus and starts us with the listener on descriptor 4.
/// </summary>
public sealed class UnderCyrusMasterTests
{
    [Fact(Timeout = 120_000)]
    public Task ServesTheListenerMasterPasses() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var built = Path.GetDirectoryName(MupdateExecutable.RequireBuilt())!;
        var cyrus = session.Track(
            await session.TimeAsync("start Cyrus master(8) with our mupdate as its service", () => CyrusInstance.StartMasterAsync(
                new CyrusInstanceOptions
                {
                    ServerName = "ours-under-cyrus.test",
                    ServiceCommand = instance =>
                        $"{MupdateExecutable.DotnetHost} {Path.Combine(instance.Directory, "bin", "mupdate.dll")} -C {instance.ConfigPath} -m",
                    Prepare = instance => PrepareAsync(instance, built, cancellationToken),
                },
                cancellationToken)),
            "Cyrus master(8) running our mupdate");

        // master(8) started our program, not Cyrus's, and it serves the port master(8) bound.
        Assert.Contains("\"mupdate-dotnet\"", cyrus.Banner, StringComparison.Ordinal);
        Assert.EndsWith("\"(master)\"", cyrus.Banner, StringComparison.Ordinal);
        var service = ChildCommandLines(cyrus.MasterPid!.Value);
        Assert.Contains(service, line => line.Contains("mupdate.dll", StringComparison.Ordinal));

        // Several connections in turn: each is reported to master(8), which keeps the one service process.
        for (var i = 0; i < 3; i++)
        {
            await using var client = await MupdateLogin.ConnectAsync(cyrus.Host, cyrus.Port!.Value, "mupdater", "secret", cancellationToken);
            await client.ActivateAsync($"user.m8.n{i}", "be1!p", "m8\tlrs\t", cancellationToken);
            Assert.Equal(
                MailboxRecord.Active($"user.m8.n{i}", "be1!p", "m8\tlrs\t"),
                await client.FindAsync($"user.m8.n{i}", cancellationToken));
        }

        await using (var reader = await MupdateLogin.ConnectAsync(cyrus.Host, cyrus.Port!.Value, "mupdater", "secret", cancellationToken))
        {
            Assert.Equal(3, (await reader.ListAsync(cancellationToken: cancellationToken)).Count);
        }

        Assert.Equal(service.Count, ChildCommandLines(cyrus.MasterPid!.Value).Count);

        // master(8) sends the service's standard error to its log.
        var log = cyrus.ReadMasterLog();
        Assert.Contains("Started by Cyrus master(8) for its service mupdate", log, StringComparison.Ordinal);
        Assert.Contains($"Listening on {cyrus.Host}:{cyrus.Port}", log, StringComparison.Ordinal);
        Assert.DoesNotContain(":3905", log, StringComparison.Ordinal);
    });

    /// <summary>Copies our build where user cyrus can read it and gives the admin a password in our credential file.</summary>
    private static async Task PrepareAsync(CyrusInstance instance, string built, CancellationToken cancellationToken)
    {
        var target = Path.Combine(instance.Directory, "bin");
        foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(built, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        await ToolRunner.RunCheckedAsync(
            MupdateExecutable.DotnetHost,
            [MupdateExecutable.RequireBuilt(), "passwd", "-f", Path.Combine(instance.ConfigDirectory, "mupdate.credentials"), "set", "mupdater"],
            "secret\n",
            TimeSpan.FromSeconds(30),
            cancellationToken);
    }

    /// <summary>The command lines of the processes whose parent is <paramref name="parent"/>.</summary>
    private static List<string> ChildCommandLines(int parent)
    {
        var lines = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == parent)
                {
                    lines.Add(File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' '));
                }
            }
            catch (IOException)
            {
                // The process ended while it was read.
            }
        }

        return lines;
    }
}
