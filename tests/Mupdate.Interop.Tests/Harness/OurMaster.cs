using System.Globalization;
using System.Reflection;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Our server (src/Mupdate.Cli, <c>mupdate.dll</c>) as the master under test, started as a child
/// process: <c>dotnet mupdate.dll -C DIR/imapd.conf -m --listen 127.0.0.1:PORT</c>, with the
/// admin user added beforehand by <c>mupdate.dll passwd -C DIR/imapd.conf add mupdater</c>
/// (password on stdin). Stopped by its PID: SIGTERM, then SIGKILL after 5 s.
/// </summary>
public sealed class OurMaster : IMasterUnderTest
{
    private const string ServerNameValue = "mupdate-ours.test";

    private readonly TempDirectory _directory;
    private readonly int _port;
    private ChildProcess? _process;
    private ToolResult? _passwdResult;

    private OurMaster(TempDirectory directory, int port)
    {
        _directory = directory;
        _port = port;
    }

    public string DisplayName => "our master (mupdate.dll)";

    public string Host { get; } = LoopbackPorts.Host;

    public int Port => _port;

    public string ServerName => ServerNameValue;

    public string AdminUser => "mupdater";

    public string AdminPassword => "secret";

    public string ConfigPath => Path.Combine(_directory.Path, "imapd.conf");

    public string StderrLogPath => Path.Combine(_directory.Path, "server.log");

    /// <summary>
    /// The built server: <c>REPO/src/Mupdate.Cli/bin/CONFIGURATION/net10.0/mupdate.dll</c>, where
    /// REPO is the nearest directory above the test assembly holding Mupdate.slnx and
    /// CONFIGURATION is the one this test assembly was built with.
    /// </summary>
    public static string ServerAssemblyPath
    {
        get
        {
            var configuration = typeof(OurMaster).Assembly
                .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            return Path.Combine(
                FindRepositoryRoot(), "src", "Mupdate.Cli", "bin", configuration, "net10.0", "mupdate.dll");
        }
    }

    public static async Task<OurMaster> StartAsync(CancellationToken cancellationToken)
    {
        var dll = ServerAssemblyPath;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"our server is not built: {dll} is missing (run dotnet build)", dll);
        }

        var master = new OurMaster(new TempDirectory(), LoopbackPorts.Allocate());
        try
        {
            await master.StartProcessAsync(dll, cancellationToken).ConfigureAwait(false);
            return master;
        }
        catch (OperationCanceledException ex)
        {
            // The caller never got the master, so its logs must travel with the exception.
            var diagnostics = master.CollectDiagnostics();
            await master.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException(
                $"cancelled while starting our master:\n{diagnostics}", ex, cancellationToken);
        }
        catch
        {
            await master.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task SeedAsync(IReadOnlyList<MailboxEntry> entries, CancellationToken cancellationToken) =>
        MupdateSeeder.SeedAsync(Host, Port, AdminUser, AdminPassword, entries, cancellationToken);

    public string CollectDiagnostics()
    {
        var text = new StringBuilder($"our master on {Host}:{Port}, directory {_directory.Path}");
        if (_process is not null)
        {
            var exitCode = _process.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none (running)";
            text.Append(CultureInfo.InvariantCulture, $", PID {_process.Pid}, exit code {exitCode}");
        }

        text.Append('\n');
        if (_passwdResult is not null)
        {
            text.Append("--- passwd ---\n").Append(_passwdResult.Describe()).Append('\n');
        }

        if (_process is not null)
        {
            text.Append("--- server stdout/stderr ---\n").Append(DiagnosticText.Tail(_process.Output)).Append('\n');
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_process is not null)
            {
                await _process.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _directory.Dispose();
        }
    }

    private async Task StartProcessAsync(string dll, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(_directory.Path, "conf"));
        new ImapdConfig()
            .Set("configdirectory", Path.Combine(_directory.Path, "conf"))
            .Set("servername", ServerNameValue)
            .Set("admins", AdminUser)
            .Set("allowplaintext", "yes")
            .Set("failedloginpause", "0")
            .WriteTo(ConfigPath);

        var dotnet = DotnetHost();
        _passwdResult = await ToolRunner.RunAsync(
            dotnet,
            [dll, "passwd", "-C", ConfigPath, "add", AdminUser],
            AdminPassword + "\n",
            TimeSpan.FromSeconds(60),
            cancellationToken).ConfigureAwait(false);
        if (_passwdResult.ExitCode != 0)
        {
            throw new InvalidOperationException($"adding {AdminUser} to our server failed:\n{CollectDiagnostics()}");
        }

        _process = ChildProcess.Start(
            dotnet,
            [dll, "-C", ConfigPath, "-m", "--listen", $"{Host}:{Port}"],
            newProcessGroup: false,
            workingDirectory: _directory.Path,
            outputLogPath: StderrLogPath);
        await BannerWaiter
            .WaitAsync(Host, Port, _process, TimeSpan.FromSeconds(30), CollectDiagnostics, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The dotnet executable that runs the tests (set by the test host), else dotnet on PATH.</summary>
    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path
        ? path
        : "dotnet";

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mupdate.slnx")))
            {
                return directory.FullName;
            }

            directory = directory.Parent;
        }

        throw new DirectoryNotFoundException($"no Mupdate.slnx in any directory above {AppContext.BaseDirectory}");
    }
}
