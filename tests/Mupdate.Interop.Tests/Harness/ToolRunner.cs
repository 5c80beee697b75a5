using System.Diagnostics;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>Exit code, output and wall time of one finished tool run.</summary>
public sealed record ToolResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The run in a form fit for a failure message.</summary>
    public string Describe() =>
        $"$ {CommandLine}\nexit {ExitCode} after {Elapsed.TotalSeconds:F3} s\n"
        + $"--- stdout ---\n{DiagnosticText.Tail(Stdout)}\n--- stderr ---\n{DiagnosticText.Tail(Stderr)}";
}

/// <summary>Runs short-lived tools (saslpasswd2, ctl_mboxlist, chown) with a timeout.</summary>
public static class ToolRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> to completion, feeding <paramref name="stdin"/> (nothing
    /// when null) and then closing stdin. On timeout or cancellation that one process gets SIGKILL
    /// and a <see cref="TimeoutException"/> carries what it wrote so far.
    /// </summary>
    public static async Task<ToolResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string? stdin,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var startInfo = CreateStartInfo(fileName, arguments);
        var commandLine = fileName + " " + string.Join(' ', arguments);
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {commandLine}");
        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), deadline.Token).ConfigureAwait(false);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            if (!process.HasExited)
            {
                Posix.SignalProcess(process.Id, Posix.SigKill);
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            var partial = new ToolResult(commandLine, -1, await stdoutTask, await stderrTask, stopwatch.Elapsed);
            if (ex is IOException)
            {
                throw new IOException($"writing stdin failed:\n{partial.Describe()}", ex);
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s, killed:\n{partial.Describe()}", ex);
        }

        return new ToolResult(commandLine, process.ExitCode, await stdoutTask, await stderrTask, stopwatch.Elapsed);
    }

    /// <summary>
    /// Start settings with stdin, stdout and stderr redirected, no shell, and working directory
    /// <c>/</c> (which user cyrus can always enter).
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    /// <summary>Like <see cref="RunAsync"/>, but throws with the full output unless the exit code is 0.</summary>
    public static async Task<ToolResult> RunCheckedAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string? stdin,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var result = await RunAsync(fileName, arguments, stdin, timeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"tool failed:\n{result.Describe()}");
        }

        return result;
    }

    /// <summary>
    /// Arguments that run <paramref name="fileName"/> as user cyrus, group mail, through
    /// setpriv(1), which execs in place so the PID stays that of the tool.
    /// </summary>
    public static (string FileName, IReadOnlyList<string> Arguments) AsCyrus(
        string fileName, params string[] arguments) =>
        (CyrusBinaries.SetPriv,
            [
                $"--reuid={CyrusBinaries.CyrusUser}",
                $"--regid={CyrusBinaries.CyrusGroup}",
                "--init-groups",
                fileName,
                .. arguments,
            ]);
}
