namespace Mupdate.Store;

/// <summary>
/// Fans committed changes out to subscribers. Publishing runs on the writer thread and does not wait for
/// subscribers, which only queue the change: a subscriber whose queue is full is dropped, and the
/// others go on.
/// </summary>
internal sealed class ChangeFeed
{
    private readonly Lock _lock = new();
    private IChangeSubscriber[] _subscribers = [];

    public int Count => Volatile.Read(ref _subscribers).Length;

    public IDisposable Add(IChangeSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new Registration(this, subscriber);
    }

    public void Publish(MailboxChange change)
    {
        // Copy-on-write: the array read here is never mutated, so no lock is held while delivering.
        var subscribers = Volatile.Read(ref _subscribers);
        foreach (var subscriber in subscribers)
        {
            if (!subscriber.TryDeliver(change))
            {
                Remove(subscriber);
            }
        }
    }

    private void Remove(IChangeSubscriber subscriber)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index < 0)
            {
                return;
            }

            _subscribers = [.. _subscribers.AsSpan(0, index), .. _subscribers.AsSpan(index + 1)];
        }
    }

    private sealed class Registration(ChangeFeed feed, IChangeSubscriber subscriber) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Remove(subscriber);
            }
        }
    }
}
