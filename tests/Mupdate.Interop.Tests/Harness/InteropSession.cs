using System.Diagnostics;
using System.Text;
using Xunit.Sdk;
using Xunit.v3;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// The resources, timings and diagnostics of one interop test. <see cref="RunAsync"/> checks
/// the prerequisites, runs the body, and on failure rethrows with every tracked component's logs
/// and the phase timings in the message. It always stops every process and removes every
/// directory the test tracked, last started first.
/// </summary>
public sealed class InteropSession
{
    private readonly List<IAsyncDisposable> _resources = [];
    private readonly List<(string Title, Func<string> Collect)> _diagnostics = [];
    private readonly List<string> _timings = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _testName;
    private string? _currentPhase;

    private InteropSession(string testName)
    {
        _testName = testName;
    }

    /// <summary>
    /// Cancelled when the test's time budget runs out: somewhat before the xunit <c>Timeout</c>
    /// of the test, so that the test itself fails with the logs and still has time to clean up.
    /// </summary>
    public CancellationToken CancellationToken { get; private init; }

    /// <summary>
    /// Runs a test that needs the Cyrus 3.6 tools: without them it skips, or fails when
    /// <see cref="CyrusBinaries.RequireVariable"/> is set.
    /// </summary>
    public static Task RunAsync(Func<InteropSession, Task> body)
    {
        CyrusBinaries.RequireOrSkip();
        return RunBodyAsync(body);
    }

    /// <summary>Runs a test of our own program only, which needs no Cyrus tool and never skips.</summary>
    public static Task RunWithoutCyrusAsync(Func<InteropSession, Task> body) => RunBodyAsync(body);

    private static async Task RunBodyAsync(Func<InteropSession, Task> body)
    {
        var context = TestContext.Current;
        var timeout = (context.Test as IXunitTest)?.Timeout ?? 0;
        var budget = timeout > 0
            ? TimeSpan.FromMilliseconds(timeout - Math.Min(timeout / 4, 8000))
            : Timeout.InfiniteTimeSpan;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(budget);
        var session = new InteropSession(context.Test?.TestDisplayName ?? "interop test")
        {
            CancellationToken = deadline.Token,
        };
        try
        {
            await body(session).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SkipException)
        {
            var reason = deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested
                ? $"test budget of {budget.TotalSeconds:F0} s (xunit Timeout {timeout} ms minus cleanup time) ran out "
                    + $"during '{session._currentPhase ?? "(no phase)"}'. Last error: "
                : "";
            throw new XunitException(
                $"{reason}{ex.GetType().Name}: {ex.Message}\n\n{session.CollectDiagnostics()}", ex);
        }
        finally
        {
            await session.DisposeResourcesAsync().ConfigureAwait(false);
            session.RecordTotal();
        }
    }

    /// <summary>Starts the master under test (chosen by <see cref="MasterUnderTest"/>), timed and tracked.</summary>
    public async Task<IMasterUnderTest> StartMasterAsync()
    {
        var master = await TimeAsync("start master", () => MasterUnderTest.StartAsync(CancellationToken))
            .ConfigureAwait(false);
        return Track(master, "master under test: " + master.DisplayName);
    }

    /// <summary>
    /// Lays out our server's directory (see <see cref="MupdateServerProcess"/>) and tracks it. It
    /// starts nothing.
    /// </summary>
    public async Task<MupdateServerProcess> CreateServerAsync(ServerProcessOptions? options = null)
    {
        var server = await TimeAsync(
            "lay out our server",
            () => MupdateServerProcess.CreateAsync(options ?? new ServerProcessOptions(), CancellationToken))
            .ConfigureAwait(false);
        return Track(server, "our server (mupdate.dll)");
    }

    /// <summary>Registers <paramref name="resource"/> for cleanup and, if it has logs, for failure messages.</summary>
    public T Track<T>(T resource, string title)
        where T : IAsyncDisposable
    {
        _resources.Add(resource);
        if (resource is IDiagnosticsSource source)
        {
            _diagnostics.Add((title, source.CollectDiagnostics));
        }

        return resource;
    }

    /// <summary>Adds text (a tool's output, a note) to the failure message.</summary>
    public void AddDiagnostics(string title, Func<string> collect) => _diagnostics.Add((title, collect));

    /// <summary>Runs one step and records its wall time.</summary>
    public async Task<T> TimeAsync<T>(string phase, Func<Task<T>> step)
    {
        var stopwatch = Stopwatch.StartNew();
        _currentPhase = phase;
        try
        {
            return await step().ConfigureAwait(false);
        }
        finally
        {
            Record($"{phase}: {stopwatch.Elapsed.TotalSeconds:F3} s");
        }
    }

    public async Task TimeAsync(string phase, Func<Task> step) =>
        await TimeAsync<bool>(phase, async () =>
        {
            await step().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);

    /// <summary>Writes a line to the test output and keeps it for the failure message.</summary>
    public void Record(string line)
    {
        var stamped = $"[{_clock.Elapsed.TotalSeconds,7:F3}] {line}";
        lock (_timings)
        {
            _timings.Add(stamped);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(stamped);
    }

    private string CollectDiagnostics()
    {
        var text = new StringBuilder("=== timings ===\n");
        lock (_timings)
        {
            text.AppendJoin('\n', _timings).Append('\n');
        }

        foreach (var (title, collect) in _diagnostics)
        {
            text.Append("=== ").Append(title).Append(" ===\n");
            try
            {
                text.Append(collect()).Append('\n');
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                text.Append("(could not collect: ").Append(ex.Message).Append(")\n");
            }
        }

        return text.ToString();
    }

    private async Task DisposeResourcesAsync()
    {
        var errors = new List<Exception>();
        for (var i = _resources.Count - 1; i >= 0; i--)
        {
            try
            {
                await _resources[i].DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                errors.Add(ex);
            }
        }

        if (errors.Count > 0)
        {
            Record("cleanup errors: " + string.Join("; ", errors.Select(error => error.Message)));
        }
    }

    private void RecordTotal()
    {
        Record($"total: {_clock.Elapsed.TotalSeconds:F3} s");
        var line = $"{DateTime.UtcNow:O}\t{_testName}\t{_clock.Elapsed.TotalSeconds:F3} s\n";
        try
        {
            File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "interop-timings.log"), line);
        }
        catch (IOException)
        {
            // The timing log is a convenience, because the test output has the same line.
        }
    }
}
