using System.Globalization;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>Settings of a <see cref="MupdateServerProcess"/>.</summary>
public sealed record ServerProcessOptions
{
    public string ServerName { get; init; } = "mupdate-ours.test";

    /// <summary>
    /// Whether the directory goes under the system temp directory (TMPDIR, else /tmp, a disk here)
    /// instead of /dev/shm.
    /// </summary>
    public bool OnDisk { get; init; }

    /// <summary>
    /// Whether <see cref="MupdateServerProcess.CreateAsync"/> adds the admin user with <c>mupdate passwd</c>.
    /// </summary>
    public bool AddAdmin { get; init; } = true;

    /// <summary>Extra imapd.conf lines. A key given here replaces the harness's own line for it.</summary>
    public IReadOnlyDictionary<string, string> ExtraConfig { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Our <c>mupdate</c> program with its state in one temp directory: <c>imapd.conf</c>,
/// configdirectory <c>conf/</c> (database and credential file) and <c>server.log</c> (stdout and
/// stderr of every run). Unless <see cref="ServerProcessOptions.AddAdmin"/> is false, it adds the
/// admin user with <c>mupdate passwd</c> before the first start. The server can be started again
/// on the same directory after it stopped or was killed, and every process is stopped by its PID.
/// </summary>
public sealed class MupdateServerProcess : IAsyncDisposable, IDiagnosticsSource
{
    private readonly TempDirectory _directory;
    private readonly List<ChildProcess> _runs = [];
    private readonly List<ToolResult> _toolResults = [];

    private MupdateServerProcess(TempDirectory directory, ServerProcessOptions options, int port)
    {
        _directory = directory;
        ServerName = options.ServerName;
        Port = port;
    }

    public string Host { get; } = LoopbackPorts.Host;

    public int Port { get; }

    public string ServerName { get; }

    public string AdminUser { get; } = "mupdater";

    public string AdminPassword { get; } = "secret";

    public string Directory => _directory.Path;

    public string ConfigPath => Path.Combine(Directory, "imapd.conf");

    public string ConfigDirectory => Path.Combine(Directory, "conf");

    public string LogPath => Path.Combine(Directory, "server.log");

    /// <summary>The process of the latest start, or null before the first.</summary>
    public ChildProcess? Process => _runs.Count > 0 ? _runs[^1] : null;

    /// <summary>The <c>* OK MUPDATE</c> line of the latest start.</summary>
    public string? Banner { get; private set; }

    /// <summary>
    /// Lays out the directory and, unless <see cref="ServerProcessOptions.AddAdmin"/> is false, adds
    /// the admin user. It starts nothing. The imapd.conf has configdirectory, servername,
    /// <c>admins: mupdater</c>, <c>allowplaintext: yes</c> and <c>failedloginpause: 0</c>, then
    /// <see cref="ServerProcessOptions.ExtraConfig"/>.
    /// </summary>
    public static async Task<MupdateServerProcess> CreateAsync(
        ServerProcessOptions options, CancellationToken cancellationToken)
    {
        MupdateExecutable.RequireBuilt();
        var directory = options.OnDisk ? TempDirectory.CreateOnDisk() : new TempDirectory();
        var server = new MupdateServerProcess(directory, options, LoopbackPorts.Allocate());
        try
        {
            System.IO.Directory.CreateDirectory(server.ConfigDirectory);
            new ImapdConfig()
                .Set("configdirectory", server.ConfigDirectory)
                .Set("servername", server.ServerName)
                .Set("admins", server.AdminUser)
                .Set("allowplaintext", "yes")
                .Set("failedloginpause", "0")
                .SetAll(options.ExtraConfig)
                .WriteTo(server.ConfigPath);
            if (!options.AddAdmin)
            {
                return server;
            }

            var passwd = await server.RunToolAsync(
                ["passwd", "-C", server.ConfigPath, "add", server.AdminUser],
                server.AdminPassword + "\n",
                cancellationToken).ConfigureAwait(false);
            if (passwd.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"adding {server.AdminUser} to our server failed:\n{server.CollectDiagnostics()}");
            }

            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts <c>mupdate -C imapd.conf ROLE --listen 127.0.0.1:PORT</c> and waits up to 30 s for its
    /// banner. <paramref name="roleArguments"/> defaults to <c>-m</c>.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken, IReadOnlyList<string>? roleArguments = null) =>
        StartProgramAsync(["-C", ConfigPath, .. roleArguments ?? ["-m"], "--listen", $"{Host}:{Port}"], cancellationToken);

    /// <summary>
    /// Starts <c>mupdate ARGUMENTS</c> in the directory and waits up to 30 s for a banner on
    /// <see cref="Port"/>, so the arguments must make it listen there.
    /// </summary>
    public async Task StartProgramAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (Process is { HasExited: false } running)
        {
            throw new InvalidOperationException($"the server is still running as PID {running.Pid}");
        }

        var process = MupdateExecutable.Start(arguments, Directory, LogPath);
        _runs.Add(process);
        Banner = await BannerWaiter
            .WaitAsync(Host, Port, process, TimeSpan.FromSeconds(30), CollectDiagnostics, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Sends SIGKILL to the running server and waits until it is gone.</summary>
    public Task KillAsync() => RequireProcess().KillAsync();

    /// <summary>
    /// Sends <paramref name="signal"/> (SIGTERM unless given) to the running server and returns its
    /// exit code, or null when it did not exit within <paramref name="timeout"/> (it then keeps
    /// running until disposed).
    /// </summary>
    public async Task<int?> TerminateAsync(TimeSpan timeout, int signal = Posix.SigTerm)
    {
        var process = RequireProcess();
        process.Signal(signal);
        return await process.WaitForExitAsync(timeout).ConfigureAwait(false) ? process.ExitCode : null;
    }

    /// <summary>
    /// Runs <c>mupdate ARGUMENTS</c> as a tool, killed after <paramref name="timeout"/> (default
    /// 60 s), and keeps its result for the diagnostics.
    /// </summary>
    public async Task<ToolResult> RunToolAsync(
        IReadOnlyList<string> arguments,
        string? stdin,
        CancellationToken cancellationToken,
        TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var result = await MupdateExecutable.RunAsync(arguments, stdin, limit, cancellationToken).ConfigureAwait(false);
        _toolResults.Add(result);
        return result;
    }

    /// <summary>
    /// Runs <c>mupdate ARGUMENTS</c> as user cyrus (see <see cref="MupdateExecutable.RunAsCyrusAsync"/>), killed
    /// after <paramref name="timeout"/> (default 60 s), and keeps its result for the diagnostics.
    /// </summary>
    public async Task<ToolResult> RunToolAsCyrusAsync(
        IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var result = await MupdateExecutable.RunAsCyrusAsync(arguments, null, limit, cancellationToken).ConfigureAwait(false);
        _toolResults.Add(result);
        return result;
    }

    public string CollectDiagnostics()
    {
        var text = new StringBuilder($"our server on {Host}:{Port}, directory {Directory}, {_runs.Count} runs\n");
        foreach (var result in _toolResults.TakeLast(5))
        {
            text.Append("--- tool run ---\n").Append(result.Describe()).Append('\n');
        }

        for (var i = Math.Max(0, _runs.Count - 3); i < _runs.Count; i++)
        {
            var run = _runs[i];
            var exitCode = run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none (running)";
            text.Append(CultureInfo.InvariantCulture, $"--- run {i + 1}: PID {run.Pid}, exit code {exitCode} ---\n")
                .Append(DiagnosticText.Tail(run.Output)).Append('\n');
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var run in _runs)
            {
                await run.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _directory.Dispose();
        }
    }

    private ChildProcess RequireProcess() =>
        Process ?? throw new InvalidOperationException("the server was never started");
}
