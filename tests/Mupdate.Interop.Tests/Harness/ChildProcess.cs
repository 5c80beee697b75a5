using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// A long-running process the harness started (a Cyrus master(8) or our server), stopped by its
/// own PID or by the process group it leads, never by name. Its stdout and stderr are kept in
/// memory for failure messages.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, ChildProcess> s_running = new();
    private static readonly TimeSpan s_termGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly CancellationTokenSource _exited;
    private readonly string? _outputLogPath;
    private int _stopped;
    private int? _exitCodeAfterStop;

    static ChildProcess()
    {
        // A test host that exits must not leave Cyrus daemons behind. This cannot help after SIGKILL.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in s_running.Values)
            {
                try
                {
                    child.SignalOwned(Posix.SigKill);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
                {
                    // It was stopped concurrently, so nothing is left to kill.
                }
            }
        };
    }

    private ChildProcess(
        Process process, string commandLine, bool leadsGroup, CancellationTokenSource exited, string? outputLogPath)
    {
        _process = process;
        _exited = exited;
        _outputLogPath = outputLogPath;
        CommandLine = commandLine;
        LeadsProcessGroup = leadsGroup;
        Pid = process.Id;
    }

    public int Pid { get; }

    public string CommandLine { get; }

    /// <summary>Whether the process was started through setsid(1) and so leads its own process group.</summary>
    public bool LeadsProcessGroup { get; }

    public bool HasExited => _exitCodeAfterStop is not null || _process.HasExited;

    /// <summary>Cancelled when the process exits, to abort waits that only make sense while it runs.</summary>
    public CancellationToken ExitedToken => _exited.Token;

    /// <summary>The exit code once the process has exited (128 + N after signal N), else null.</summary>
    public int? ExitCode => _exitCodeAfterStop ?? (_process.HasExited ? _process.ExitCode : null);

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>. With <paramref name="newProcessGroup"/> it runs under
    /// setsid(1), which execs in place (the child of .NET is not a group leader), so the PID
    /// returned is the leader of a new session and process group whose id equals that PID.
    /// With <paramref name="outputLogPath"/> its stdout and stderr lines are also appended to that file.
    /// </summary>
    public static ChildProcess Start(
        string fileName,
        IReadOnlyList<string> arguments,
        bool newProcessGroup,
        string? workingDirectory = null,
        string? outputLogPath = null)
    {
        var startInfo = newProcessGroup
            ? ToolRunner.CreateStartInfo(CyrusBinaries.SetSid, [fileName, .. arguments])
            : ToolRunner.CreateStartInfo(fileName, arguments);
        startInfo.WorkingDirectory = workingDirectory ?? "/";
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var commandLine = startInfo.FileName + " " + string.Join(' ', startInfo.ArgumentList);
        var exited = new CancellationTokenSource();
        process.Exited += (_, _) => exited.Cancel();
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {commandLine}");
        }

        var child = new ChildProcess(process, commandLine, newProcessGroup, exited, outputLogPath);
        s_running[child.Pid] = child;
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        if (newProcessGroup)
        {
            child.VerifyGroupLeadership();
        }

        return child;
    }

    /// <summary>Sends <paramref name="signal"/> to this process only, unless it has exited.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            Posix.SignalProcess(Pid, signal);
        }
    }

    /// <summary>Waits until the process exits and its output is read, and returns false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends SIGKILL to this process and waits until it is gone, as a crash would leave it. The
    /// object stays usable for <see cref="ExitCode"/> and <see cref="Output"/>.
    /// </summary>
    public async Task KillAsync()
    {
        Signal(Posix.SigKill);
        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends SIGTERM (to the group if this process leads one), waits up to 5 s, then sends SIGKILL.
    /// Group members left after the leader exited get SIGKILL too.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            SignalOwned(Posix.SigTerm);
            using var grace = new CancellationTokenSource(s_termGrace);
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                SignalOwned(Posix.SigKill);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            // The group id cannot be reused while a member lives, so this only reaches our own children.
            if (LeadsProcessGroup && Posix.GroupExists(Pid))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300)).ConfigureAwait(false);
                Posix.SignalGroup(Pid, Posix.SigKill);
            }
        }
        finally
        {
            s_running.TryRemove(Pid, out _);
            _exitCodeAfterStop = _process.HasExited ? _process.ExitCode : -1;
            _process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private void SignalOwned(int signal)
    {
        if (LeadsProcessGroup)
        {
            Posix.SignalGroup(Pid, signal);
        }
        else if (!_process.HasExited)
        {
            Posix.SignalProcess(Pid, signal);
        }
    }

    private void VerifyGroupLeadership()
    {
        // Right after fork the child is still in our group until setsid(2) runs. If setsid(1)
        // forked instead (it does when its caller leads a group), the PID we have would never
        // become the group id, and stopping by group could miss the daemon.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            var group = Posix.ReadProcessGroup(Pid);
            if (group == Pid || group is null || _process.HasExited)
            {
                return;
            }

            Thread.Sleep(5);
        }

        Posix.SignalProcess(Pid, Posix.SigKill);
        throw new InvalidOperationException(
            $"setsid did not make PID {Pid} a process group leader within 5 s; killed it: {CommandLine}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_outputLogPath is not null)
            {
                File.AppendAllText(_outputLogPath, line + "\n");
            }
        }
    }
}
