using System.Globalization;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

public enum CyrusInstanceKind
{
    /// <summary>A MUPDATE master: <c>mupdate -m</c> under master(8).</summary>
    Master,

    /// <summary>A MUPDATE slave: <c>mupdate</c> under master(8), replicating from an uplink.</summary>
    Slave,

    /// <summary>A backend configuration for <c>ctl_mboxlist</c>, with no daemon.</summary>
    Backend,
}

/// <summary>
/// One Cyrus 3.6 instance with all of its state in a fresh temp directory: imapd.conf,
/// cyrus.conf, configdirectory <c>conf/</c> (mailboxes.db, sasldb2, socket/mupdate.target),
/// partition <c>part/</c> and master(8)'s log <c>master.log</c>. Daemons run as user cyrus:
/// master(8) is started as root under setsid(1) and drops privileges itself, and Dispose
/// signals only the process group it leads.
/// </summary>
public sealed class CyrusInstance : IAsyncDisposable, IDiagnosticsSource
{
    private readonly TempDirectory _directory;
    private ChildProcess? _master;

    private CyrusInstance(CyrusInstanceKind kind, TempDirectory directory, CyrusInstanceOptions options, int? port)
    {
        Kind = kind;
        _directory = directory;
        ServerName = options.ServerName;
        Port = port;
    }

    public CyrusInstanceKind Kind { get; }

    public string ServerName { get; }

    public string Host { get; } = LoopbackPorts.Host;

    /// <summary>The listener port of a master or slave, or null for a backend.</summary>
    public int? Port { get; }

    public string Directory => _directory.Path;

    public string ConfigPath => Path.Combine(Directory, "imapd.conf");

    public string ConfigDirectory => Path.Combine(Directory, "conf");

    public string KickSocketPath => Path.Combine(ConfigDirectory, "socket", "mupdate.target");

    public string MasterLogPath => Path.Combine(Directory, "master.log");

    /// <summary>The <c>* OK MUPDATE</c> line the listener sent once it was ready.</summary>
    public string? Banner { get; private set; }

    /// <summary>PID of master(8), which leads its own process group, or null for a backend.</summary>
    public int? MasterPid => _master?.Pid;

    /// <summary>Starts a Cyrus MUPDATE master and waits for its banner.</summary>
    public static Task<CyrusInstance> StartMasterAsync(
        CyrusInstanceOptions options, CancellationToken cancellationToken) =>
        CreateAsync(CyrusInstanceKind.Master, options, uplink: null, cancellationToken);

    /// <summary>
    /// Starts a Cyrus MUPDATE slave of <paramref name="uplink"/> and waits for its banner, which a
    /// Cyrus 3.6 slave sends only once its first full sync with the master is done.
    /// </summary>
    public static Task<CyrusInstance> StartSlaveAsync(
        CyrusInstanceOptions options, MupdateUplink uplink, CancellationToken cancellationToken) =>
        CreateAsync(CyrusInstanceKind.Slave, options, uplink, cancellationToken);

    /// <summary>
    /// Lays out a backend configuration whose <c>ctl_mboxlist -m</c> pushes to <paramref name="uplink"/>.
    /// </summary>
    public static Task<CyrusInstance> CreateBackendAsync(
        CyrusInstanceOptions options, MupdateUplink uplink, CancellationToken cancellationToken) =>
        CreateAsync(CyrusInstanceKind.Backend, options, uplink, cancellationToken);

    /// <summary>
    /// Pokes the kick socket the way a Cyrus frontend does and returns the reply. On a slave the
    /// reply <c>ok</c> comes only after every change the master had queued for it is applied.
    /// </summary>
    public Task<string> KickAsync(CancellationToken cancellationToken) =>
        KickSocket.KickAsync(KickSocketPath, TimeSpan.FromSeconds(15), cancellationToken);

    public string ReadMasterLog() => File.Exists(MasterLogPath) ? File.ReadAllText(MasterLogPath) : "(no master.log)";

    public string CollectDiagnostics()
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Cyrus {Kind} {ServerName}")
            .Append(Port is { } port ? $" on {Host}:{port}" : "")
            .Append(CultureInfo.InvariantCulture, $", directory {Directory}");
        if (_master is not null)
        {
            var exitCode = _master.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none (running)";
            text.Append(CultureInfo.InvariantCulture, $", master(8) PID {_master.Pid}, exit code {exitCode}");
        }

        text.Append('\n')
            .Append("--- master.log ---\n").Append(DiagnosticText.Tail(ReadMasterLog())).Append('\n');
        if (_master is not null)
        {
            text.Append("--- master(8) stdout/stderr ---\n").Append(DiagnosticText.Tail(_master.Output)).Append('\n');
        }

        foreach (var session in LatestTelemetryFiles(3))
        {
            var name = Path.GetRelativePath(ConfigDirectory, session);
            text.Append(CultureInfo.InvariantCulture, $"--- telemetry {name} ---\n")
                .Append(DiagnosticText.Tail(File.ReadAllText(session), 3000)).Append('\n');
        }

        return text.ToString();
    }

    private IEnumerable<string> LatestTelemetryFiles(int count)
    {
        var root = Path.Combine(ConfigDirectory, "log");
        return System.IO.Directory.Exists(root)
            ? new DirectoryInfo(root).EnumerateFiles("*", SearchOption.AllDirectories)
                .OrderByDescending(file => file.LastWriteTimeUtc)
                .Take(count)
                .Select(file => file.FullName)
            : [];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_master is not null)
            {
                await _master.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _directory.Dispose();
        }
    }

    private static async Task<CyrusInstance> CreateAsync(
        CyrusInstanceKind kind,
        CyrusInstanceOptions options,
        MupdateUplink? uplink,
        CancellationToken cancellationToken)
    {
        var directory = new TempDirectory();
        var port = kind == CyrusInstanceKind.Backend ? (int?)null : LoopbackPorts.Allocate();
        var instance = new CyrusInstance(kind, directory, options, port);
        try
        {
            await instance.LayOutAsync(options, uplink, cancellationToken).ConfigureAwait(false);
            if (kind != CyrusInstanceKind.Backend)
            {
                await instance.StartDaemonAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
            }

            return instance;
        }
        catch (OperationCanceledException ex)
        {
            // The caller never got the instance, so its logs must travel with the exception.
            var diagnostics = instance.CollectDiagnostics();
            await instance.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException(
                $"cancelled while starting a Cyrus {kind}:\n{diagnostics}", ex, cancellationToken);
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task LayOutAsync(
        CyrusInstanceOptions options, MupdateUplink? uplink, CancellationToken cancellationToken)
    {
        foreach (var sub in new[] { "socket", "log", "proc", "lock", "db" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(ConfigDirectory, sub));
        }

        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "part"));
        foreach (var user in options.TelemetryUsers)
        {
            System.IO.Directory.CreateDirectory(Path.Combine(ConfigDirectory, "log", user));
        }

        BuildConfig(options, uplink).WriteTo(ConfigPath);
        if (Kind != CyrusInstanceKind.Backend)
        {
            File.WriteAllText(Path.Combine(Directory, "cyrus.conf"), BuildCyrusConf(options.ServiceCommand?.Invoke(this)));
        }

        if (options.Prepare is { } prepare)
        {
            await prepare(this).ConfigureAwait(false);
        }

        var sasldb = Path.Combine(ConfigDirectory, "sasldb2");
        foreach (var user in options.Users)
        {
            await ToolRunner.RunCheckedAsync(
                CyrusBinaries.SaslPasswd2,
                ["-p", "-c", "-u", ServerName, "-f", sasldb, user.Name],
                user.Password,
                TimeSpan.FromSeconds(15),
                cancellationToken).ConfigureAwait(false);
        }

        File.WriteAllText(MasterLogPath, "");

        // Every file a Cyrus daemon or tool touches must belong to cyrus:mail, and sasldb2 must not be world-readable.
        await ToolRunner.RunCheckedAsync(
            CyrusBinaries.Chown,
            ["-R", $"{CyrusBinaries.CyrusUser}:{CyrusBinaries.CyrusGroup}", Directory],
            null,
            TimeSpan.FromSeconds(15),
            cancellationToken).ConfigureAwait(false);
        if (File.Exists(sasldb))
        {
            File.SetUnixFileMode(sasldb, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }
    }

    private ImapdConfig BuildConfig(CyrusInstanceOptions options, MupdateUplink? uplink)
    {
        var config = new ImapdConfig()
            .Set("configdirectory", ConfigDirectory)
            .Set("partition-default", Path.Combine(Directory, "part"))
            .Set("servername", ServerName)
            .Set("admins", options.Admins)
            .Set("sasl_pwcheck_method", "auxprop")
            .Set("sasl_auxprop_plugin", "sasldb")
            .Set("sasl_sasldb_path", Path.Combine(ConfigDirectory, "sasldb2"))
            .Set("sasl_mech_list", options.MechanismList)
            .Set("allowplaintext", "yes")
            .Set("failedloginpause", "0")
            .Set("syslog_prefix", Path.GetFileName(Directory));
        if (Kind != CyrusInstanceKind.Backend)
        {
            // Cyrus 3.6's default is 128, which a load test could reach.
            config.Set("mupdate_connections_max", "1024");
        }

        if (uplink is not null)
        {
            // Cyrus 3.6 takes the master's port only from "host:port" here. It never reads mupdate_port.
            config.Set("mupdate_server", $"{uplink.Host}:{uplink.Port}")
                .Set("mupdate_authname", uplink.AuthName)
                .Set("mupdate_password", uplink.Password);
            if (uplink.ForceClientMechanism is { } mechanism)
            {
                config.Set("force_sasl_client_mech", mechanism);
            }

            if (Kind == CyrusInstanceKind.Slave)
            {
                config.Set("mupdate_retry_delay", uplink.RetryDelaySeconds.ToString(CultureInfo.InvariantCulture));
            }
        }

        return config.SetAll(options.ExtraConfig);
    }

    private string BuildCyrusConf(string? serviceCommand)
    {
        var command = serviceCommand
            ?? $"{CyrusBinaries.Mupdate} -C {ConfigPath}" + (Kind == CyrusInstanceKind.Master ? " -m" : "");
        return $$"""
            START {
            }
            SERVICES {
              mupdate cmd="{{command}}" listen="{{Host}}:{{Port}}" prefork=1
            }
            EVENTS {
            }

            """;
    }

    private async Task StartDaemonAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _master = ChildProcess.Start(
            CyrusBinaries.Master,
            ["-C", ConfigPath, "-M", Path.Combine(Directory, "cyrus.conf"), "-p", Path.Combine(Directory, "master.pid"),
                "-l", "256", "-L", MasterLogPath],
            newProcessGroup: true,
            workingDirectory: Directory);
        Banner = await BannerWaiter
            .WaitAsync(Host, Port!.Value, _master, timeout, CollectDiagnostics, cancellationToken)
            .ConfigureAwait(false);
    }
}
