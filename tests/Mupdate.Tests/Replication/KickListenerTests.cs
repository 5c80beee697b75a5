using System.Runtime.Versioning;
using Mupdate.Replication;
using Mupdate.Tests.Integration;

namespace Mupdate.Tests.Replication;

/// <summary>The kick socket's file handling and its connection bound, with a target the test controls.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class KickListenerTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private readonly string _root = Directory.CreateTempSubdirectory("mupdate-kicktest-").FullName;
    private readonly RecordingLoggerFactory _logs = new();

    private string SocketPath => Path.Combine(_root, "socket", "mupdate.target");

    public void Dispose()
    {
        _logs.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact(Timeout = 10_000)]
    public async Task StartCreatesOpenSocket()
    {
        await using var listener = NewListener(ImmediateKickTarget.Instance);

        Assert.True(listener.Start());

        Assert.True(File.Exists(SocketPath));
        var mode = File.GetUnixFileMode(SocketPath);
        Assert.Equal((UnixFileMode)0b111_111_111, mode);
        Assert.Equal("ok", await KickAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task StaleFileReplaced()
    {
        // A plain file plays the part of the socket file left by a process that died: connecting to
        // either fails, which is how Start distinguishes a stale file from a live listener.
        Directory.CreateDirectory(Path.GetDirectoryName(SocketPath)!);
        await File.WriteAllTextAsync(SocketPath, "");
        await using var listener = NewListener(ImmediateKickTarget.Instance);

        Assert.True(listener.Start());
        Assert.Equal("ok", await KickAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task LiveSocketNotTaken()
    {
        await using var first = NewListener(ImmediateKickTarget.Instance);
        Assert.True(first.Start());
        await using var second = NewListener(new GatedTarget());

        Assert.False(second.Start());

        Assert.Contains(
            _logs.Entries,
            e => e.EventId == 6101 && e.Message.Contains("another process", StringComparison.Ordinal));
        Assert.Equal("ok", await KickAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task TooLongPathRejected()
    {
        var path = Path.Combine(_root, new string('s', 120), "mupdate.target");
        var logger = _logs.CreateLogger("Kick");
        await using var listener = new KickListener(path, ImmediateKickTarget.Instance, 4, Deadline, logger);

        Assert.False(listener.Start());

        Assert.Contains(_logs.Entries, e => e.EventId == 6101);
        Assert.False(File.Exists(path));
    }

    [Fact(Timeout = 10_000)]
    public async Task ConnectionOverBoundClosedAtOnce()
    {
        var target = new GatedTarget();
        await using var listener = new KickListener(SocketPath, target, 1, Deadline, _logs.CreateLogger("Kick"));
        Assert.True(listener.Start());

        var waiting = KickAsync();
        var reached = await TestServer.WaitUntilAsync(() => target.Calls == 1, Deadline);
        Assert.True(reached, "the first kick never reached the target");
        var overBound = await KickAsync();

        Assert.Equal("", overBound);
        Assert.Equal(1, target.Calls);
        Assert.False(waiting.IsCompleted);
        target.Release(true);
        Assert.Equal("ok", await waiting);
    }

    [Fact(Timeout = 10_000)]
    public async Task FailedKickClosesWithoutOk()
    {
        var target = new GatedTarget();
        await using var listener = NewListener(target);
        Assert.True(listener.Start());

        var kick = KickAsync();
        Assert.True(await TestServer.WaitUntilAsync(() => target.Calls == 1, Deadline), "the kick never reached the target");
        target.Release(false);

        Assert.Equal("", await kick);
    }

    [Fact(Timeout = 10_000)]
    public async Task WaitBoundClosesWithoutOk()
    {
        var target = new GatedTarget();
        await using var listener = new KickListener(
            SocketPath, target, 4, TimeSpan.FromMilliseconds(300), _logs.CreateLogger("Kick"));
        Assert.True(listener.Start());

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var answer = await KickAsync();

        Assert.Equal("", answer);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"closed after {watch.Elapsed}");
        Assert.True(target.Cancelled, "the target's wait was not cancelled");
    }

    [Fact(Timeout = 10_000)]
    public async Task DisposeRemovesSocketFile()
    {
        var listener = NewListener(ImmediateKickTarget.Instance);
        Assert.True(listener.Start());
        Assert.True(File.Exists(SocketPath));

        await listener.DisposeAsync();

        Assert.False(File.Exists(SocketPath));
    }

    private KickListener NewListener(IKickTarget target) =>
        new(SocketPath, target, 4, Deadline, _logs.CreateLogger("Kick"));

    private Task<string> KickAsync() => KickClient.KickAsync(SocketPath, Deadline);

    /// <summary>A kick target whose kicks complete when the test calls <see cref="Release"/>.</summary>
    private sealed class GatedTarget : IKickTarget
    {
        private readonly TaskCompletionSource<bool> _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;
        private volatile bool _cancelled;

        public int Calls => Volatile.Read(ref _calls);

        public bool Cancelled => _cancelled;

        public void Release(bool result) => _gate.TrySetResult(result);

        public async Task<bool> KickAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            try
            {
                return await _gate.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _cancelled = true;
                throw;
            }
        }
    }
}
