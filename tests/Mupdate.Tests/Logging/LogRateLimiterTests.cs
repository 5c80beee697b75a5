using Microsoft.Extensions.Time.Testing;
using Mupdate.Logging;

namespace Mupdate.Tests.Logging;

public sealed class LogRateLimiterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void FirstEventIsLogged()
    {
        var limiter = new LogRateLimiter(Interval, _clock);

        var acquired = limiter.TryAcquire(out var suppressed);

        Assert.True(acquired);
        Assert.Equal(0, suppressed);
    }

    [Fact]
    public void EventsWithinIntervalAreCounted()
    {
        var limiter = new LogRateLimiter(Interval, _clock);
        limiter.TryAcquire(out _);

        var second = limiter.TryAcquire(out var afterSecond);
        _clock.Advance(Interval - TimeSpan.FromTicks(1));
        var third = limiter.TryAcquire(out var afterThird);

        Assert.False(second);
        Assert.Equal(1, afterSecond);
        Assert.False(third);
        Assert.Equal(2, afterThird);
    }

    [Fact]
    public void EventAfterIntervalReportsCount()
    {
        var limiter = new LogRateLimiter(Interval, _clock);
        limiter.TryAcquire(out _);
        for (var i = 0; i < 171; i++)
        {
            limiter.TryAcquire(out _);
        }

        _clock.Advance(Interval);
        var acquired = limiter.TryAcquire(out var suppressed);
        var next = limiter.TryAcquire(out var afterNext);

        Assert.True(acquired);
        Assert.Equal(171, suppressed);
        Assert.False(next);
        Assert.Equal(1, afterNext);
    }

    [Fact]
    public void FlushWaitsForInterval()
    {
        var limiter = new LogRateLimiter(Interval, _clock);
        limiter.TryAcquire(out _);
        limiter.TryAcquire(out _);
        limiter.TryAcquire(out _);

        var early = limiter.TryFlush(out var earlyCount);
        _clock.Advance(Interval);
        var due = limiter.TryFlush(out var dueCount);
        var again = limiter.TryFlush(out var againCount);

        Assert.False(early);
        Assert.Equal(0, earlyCount);
        Assert.True(due);
        Assert.Equal(2, dueCount);
        Assert.False(again);
        Assert.Equal(0, againCount);
    }

    [Fact]
    public void FlushStartsNewInterval()
    {
        var limiter = new LogRateLimiter(Interval, _clock);
        limiter.TryAcquire(out _);
        limiter.TryAcquire(out _);
        _clock.Advance(Interval);
        limiter.TryFlush(out _);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var acquired = limiter.TryAcquire(out var suppressed);

        Assert.False(acquired);
        Assert.Equal(1, suppressed);
    }

    [Fact]
    public void FlushWithNothingSuppressedLogsNothing()
    {
        var limiter = new LogRateLimiter(Interval, _clock);
        limiter.TryAcquire(out _);
        _clock.Advance(Interval);

        var flushed = limiter.TryFlush(out var suppressed);

        Assert.False(flushed);
        Assert.Equal(0, suppressed);
        Assert.True(limiter.TryAcquire(out _));
    }

    [Fact]
    public void TakeSuppressedResetsCount()
    {
        var limiter = new LogRateLimiter(Interval, _clock);
        limiter.TryAcquire(out _);
        limiter.TryAcquire(out _);
        limiter.TryAcquire(out _);

        var pending = limiter.TakeSuppressed();
        _clock.Advance(Interval);
        limiter.TryAcquire(out var suppressed);

        Assert.Equal(2, pending);
        Assert.Equal(0, suppressed);
    }

    [Fact]
    public void NonPositiveIntervalIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogRateLimiter(TimeSpan.Zero, _clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogRateLimiter(TimeSpan.FromSeconds(-1), _clock));
    }

    [Fact]
    public async Task ConcurrentEventsAreCountedOnce()
    {
        // With the clock standing still, exactly one event is logged and every other one is counted.
        var limiter = new LogRateLimiter(Interval, _clock);
        const int Threads = 8;
        const int EventsPerThread = 10_000;
        long logged = 0;
        long reported = 0;

        var workers = Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < EventsPerThread; i++)
            {
                if (limiter.TryAcquire(out var suppressed))
                {
                    Interlocked.Increment(ref logged);
                    Interlocked.Add(ref reported, suppressed);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(1, logged);
        Assert.Equal(0, reported);
        Assert.Equal((Threads * EventsPerThread) - 1, limiter.TakeSuppressed());
    }
}
