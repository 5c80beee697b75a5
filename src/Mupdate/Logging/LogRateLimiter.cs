namespace Mupdate.Logging;

/// <summary>
/// A limit of one log line per interval for a repeated event, with a count of the events left out. The
/// first event is logged. Events within <see cref="Interval"/> of the last logged line are counted instead,
/// and the next line that is allowed (an event's, or a summary's through <see cref="TryFlush"/>) reports
/// that count. All members are thread-safe.
/// </summary>
/// <example>
/// <code>
/// if (limiter.TryAcquire(out var suppressed))
/// {
///     LogRefused(logger, remote, suppressed); // "... (N more since the previous message)"
/// }
/// </code>
/// </example>
public sealed class LogRateLimiter
{
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private long _lastLineTimestamp;
    private bool _anyLine;
    private long _suppressed;

    /// <summary>Creates a limiter of one line per <paramref name="interval"/>, timed by <paramref name="timeProvider"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public LogRateLimiter(TimeSpan interval, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Interval = interval;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The minimum time between two lines.</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// Records one event and returns whether to log it. On true, <paramref name="suppressed"/> is the number
    /// of events left out since the previous line, which the caller should include in this one. On false, the
    /// event is counted and <paramref name="suppressed"/> is the count so far, this event included.
    /// </summary>
    public bool TryAcquire(out long suppressed)
    {
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            if (!_anyLine || IsDue(now))
            {
                suppressed = TakeLine(now);
                return true;
            }

            _suppressed++;
            suppressed = _suppressed;
            return false;
        }
    }

    /// <summary>
    /// Returns true, with the count in <paramref name="suppressed"/>, when events were left out and a line is
    /// allowed now, so the caller logs a summary. Call it from a timer so that the count of the last burst is
    /// reported even when no further event comes. On false, <paramref name="suppressed"/> is 0.
    /// </summary>
    public bool TryFlush(out long suppressed)
    {
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            if (_suppressed == 0 || !IsDue(now))
            {
                suppressed = 0;
                return false;
            }

            suppressed = TakeLine(now);
            return true;
        }
    }

    /// <summary>
    /// Returns the count of events left out and resets it, whatever the time, for a last summary when the
    /// component stops.
    /// </summary>
    public long TakeSuppressed()
    {
        lock (_lock)
        {
            var suppressed = _suppressed;
            _suppressed = 0;
            return suppressed;
        }
    }

    private bool IsDue(long now) => _timeProvider.GetElapsedTime(_lastLineTimestamp, now) >= Interval;

    private long TakeLine(long now)
    {
        var suppressed = _suppressed;
        _suppressed = 0;
        _lastLineTimestamp = now;
        _anyLine = true;
        return suppressed;
    }
}
