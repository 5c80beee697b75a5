using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Runs Cyrus 3.6's <c>mupdatetest</c> (imtest) non-interactively: it logs in with the given
/// mechanism, then the command lines go on its stdin. stdin stays open until the last command's
/// tagged reply is in the output, because on stdin EOF mupdatetest sends its own
/// <c>Q01 LOGOUT</c> and echoes it, which would otherwise land among the server's lines.
/// </summary>
public static class Mupdatetest
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <c>mupdatetest -m MECH -a USER -w PASSWORD -p PORT HOST</c> with
    /// <paramref name="commands"/> (one protocol line each, tag first) and parses what it printed.
    /// mupdatetest exits 0 even when the login fails, so callers must check
    /// <see cref="MupdatetestTranscript.Authenticated"/>.
    /// </summary>
    public static async Task<MupdatetestTranscript> RunAsync(
        string host,
        int port,
        string mechanism,
        string user,
        string password,
        IReadOnlyList<string> commands,
        CancellationToken cancellationToken,
        TimeSpan? timeout = null)
    {
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] arguments = ["-m", mechanism, "-a", user, "-w", password, "-p", portText, host];
        var startInfo = ToolRunner.CreateStartInfo(CyrusBinaries.Mupdatetest, arguments);
        var commandLine = $"{CyrusBinaries.Mupdatetest} -m {mechanism} -a {user} -w *** -p {port} {host}";
        var limit = timeout ?? DefaultTimeout;
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {commandLine}");
        var stdout = new StringBuilder();
        var lastTag = commands.Count > 0 ? commands[^1].Split(' ', 2)[0] : null;
        var lastReplySeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdoutDone = PumpAsync(process.StandardOutput, stdout, lastTag, lastReplySeen);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            foreach (var command in commands)
            {
                await process.StandardInput.WriteAsync((command + "\n").AsMemory(), deadline.Token)
                    .ConfigureAwait(false);
            }

            await process.StandardInput.FlushAsync(deadline.Token).ConfigureAwait(false);
            if (lastTag is not null)
            {
                await Task.WhenAny(lastReplySeen.Task, process.WaitForExitAsync(deadline.Token)).ConfigureAwait(false);
                deadline.Token.ThrowIfCancellationRequested();
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            await stdoutDone.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            if (!process.HasExited)
            {
                Posix.SignalProcess(process.Id, Posix.SigKill);
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"{commandLine} did not finish within {limit.TotalSeconds:F0} s ({ex.GetType().Name}); killed. Output:\n"
                + $"{Snapshot(stdout)}\n--- stderr ---\n{await stderrTask.ConfigureAwait(false)}", ex);
        }

        return MupdatetestTranscript.Parse(
            commandLine, process.ExitCode, Snapshot(stdout), await stderrTask.ConfigureAwait(false), stopwatch.Elapsed);
    }

    private static async Task PumpAsync(
        StreamReader reader, StringBuilder output, string? lastTag, TaskCompletionSource lastReplySeen)
    {
        // A whole line "TAG OK|NO|BAD ..." ends the wait, so its text is printed before stdin closes.
        var completion = lastTag is null
            ? null
            : new Regex($@"(^|\n){Regex.Escape(lastTag)} (OK|NO|BAD)\b[^\n]*\n", RegexOptions.CultureInvariant);
        var buffer = new char[8192];
        while (true)
        {
            var read = await reader.ReadAsync(buffer).ConfigureAwait(false);
            if (read == 0)
            {
                lastReplySeen.TrySetResult();
                return;
            }

            lock (output)
            {
                output.Append(buffer, 0, read);
                if (completion is not null && !lastReplySeen.Task.IsCompleted && completion.IsMatch(output.ToString()))
                {
                    lastReplySeen.TrySetResult();
                }
            }
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
