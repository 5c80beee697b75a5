namespace Mupdate.Replication;

/// <summary>
/// The kicks waiting on a slave's link. Kicks that arrive while no NOOP is in flight join the next
/// round. A round is the set of kicks one NOOP completes, so many kickers share one round trip. A kick
/// that arrives during a round waits for the next one, because the master may have made changes
/// after it answered the NOOP in flight.
/// </summary>
internal sealed class KickQueue(int waitersMax)
{
    private readonly Lock _lock = new();
    private List<TaskCompletionSource<bool>> _waiting = [];
    private List<TaskCompletionSource<bool>> _round = [];
    private TaskCompletionSource _arrived = NewSignal();
    private bool _open;

    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    public bool HasWaiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count > 0;
            }
        }
    }

    public async Task<bool> KickAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            // Without a link no round trip can confirm a kick, so it fails at once, as kicks to
            // Cyrus's slave fail before its first sync.
            if (!_open || _waiting.Count + _round.Count >= waitersMax)
            {
                return false;
            }

            _waiting.Add(waiter);
            _arrived.TrySetResult();
        }

        // A cancelled kick leaves the queue, so it neither takes a slot of the bound nor causes a NOOP.
        using var registration = cancellationToken.Register(() => Withdraw(waiter));
        return await waiter.Task.ConfigureAwait(false);
    }

    /// <summary>Completes when a kick is waiting for the next round.</summary>
    public Task WaitForKickAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_waiting.Count > 0)
            {
                return Task.CompletedTask;
            }

            if (_arrived.Task.IsCompleted)
            {
                _arrived = NewSignal();
            }

            return _arrived.Task.WaitAsync(cancellationToken);
        }
    }

    public void Open()
    {
        lock (_lock)
        {
            _open = true;
        }
    }

    /// <summary>Moves the waiting kicks into the round of the NOOP that is being sent.</summary>
    public void StartRound()
    {
        lock (_lock)
        {
            _round.AddRange(_waiting);
            _waiting = [];
        }
    }

    /// <summary>The NOOP's OK arrived and the changes before it are stored.</summary>
    public void CompleteRound()
    {
        List<TaskCompletionSource<bool>> round;
        lock (_lock)
        {
            round = _round;
            _round = [];
        }

        foreach (var waiter in round)
        {
            waiter.TrySetResult(true);
        }
    }

    /// <summary>The link is gone: every kick, waiting or in a round, fails.</summary>
    public void Close()
    {
        List<TaskCompletionSource<bool>> failed;
        lock (_lock)
        {
            _open = false;
            failed = [.. _round, .. _waiting];
            _round = [];
            _waiting = [];
        }

        foreach (var waiter in failed)
        {
            waiter.TrySetResult(false);
        }
    }

    private void Withdraw(TaskCompletionSource<bool> waiter)
    {
        lock (_lock)
        {
            _waiting.Remove(waiter);
            _round.Remove(waiter);
        }

        waiter.TrySetResult(false);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
