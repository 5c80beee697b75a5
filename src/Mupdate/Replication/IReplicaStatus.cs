namespace Mupdate.Replication;

/// <summary>What the sessions of a slave ask of its replica.</summary>
public interface IReplicaStatus
{
    /// <summary>
    /// True once the store contains a complete copy of the master's list: from the first resync that
    /// committed, in this process or an earlier one. Until then a slave cannot report a name as missing.
    /// </summary>
    bool IsSynchronized { get; }

    /// <summary>Completes when <see cref="IsSynchronized"/> first becomes true (at once if it already is).</summary>
    Task FirstSync { get; }
}

/// <summary>Something a kick (a local process asking to see the master's latest changes) waits for.</summary>
public interface IKickTarget
{
    /// <summary>
    /// Completes with true once every change the master made before the call is in the local store,
    /// or with false when that cannot be promised (no link to the master, too many waiting, cancelled).
    /// </summary>
    Task<bool> KickAsync(CancellationToken cancellationToken);
}

/// <summary>The master's kick target: its store is the list itself, so every kick succeeds at once.</summary>
public sealed class ImmediateKickTarget : IKickTarget
{
    public static ImmediateKickTarget Instance { get; } = new();

    public Task<bool> KickAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
