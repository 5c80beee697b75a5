namespace Mupdate.Replication;

/// <summary>How a slave reaches, logs in to and watches its master, and how it guards its replica.</summary>
public sealed record ReplicaOptions
{
    /// <summary>The master's host name or address.</summary>
    public required string Host { get; init; }

    public int Port { get; init; } = 3905;

    /// <summary>False for <c>mupdate_server: host/noauth</c>: the slave sends UPDATE without logging in.</summary>
    public bool Authenticate { get; init; } = true;

    /// <summary>The SASL authentication id (<c>mupdate_authname</c>).</summary>
    public string AuthenticationId { get; init; } = "";

    /// <summary>The SASL authorization id (<c>mupdate_username</c>); null or empty to act as the authentication id.</summary>
    public string? AuthorizationId { get; init; }

    public string Password { get; init; } = "";

    /// <summary>A mechanism to use instead of the best common one (<c>force_sasl_client_mech</c>).</summary>
    public string? Mechanism { get; init; }

    /// <summary>
    /// Silence from the master after which the slave sends a keepalive NOOP, and the base of the delay
    /// before a reconnect (<c>mupdate_retry_delay</c>). Values under one second count as one second.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the slave waits for the OK to a NOOP, or for any one response of the dump, before it drops the master.</summary>
    public TimeSpan MasterTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest the master's whole dump may take (<c>mupdate_dump_timeout</c>), however steadily it trickles in.</summary>
    public TimeSpan DumpTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A resync may remove at most this share of the replica, in percent, once the replica has at
    /// least <see cref="GuardEntries"/> entries; 100 accepts any resync.
    /// </summary>
    public int DeletePercentMax { get; init; } = 50;

    /// <summary>Replicas smaller than this are not guarded by <see cref="DeletePercentMax"/>.</summary>
    public int GuardEntries { get; init; } = 1000;

    /// <summary>
    /// <c>mupdate_config: unified</c>: entries whose location has no <c>server!</c> part belong to
    /// this host and are never removed by a resync.
    /// </summary>
    public bool Unified { get; init; }

    /// <summary>Most entries a dump may have; a larger one is refused, because the dump is held in memory.</summary>
    public int DumpEntriesMax { get; init; } = 5_000_000;

    /// <summary>Most kicks waiting at once; more are refused at once.</summary>
    public int KickWaitersMax { get; init; } = 256;

    /// <summary>The largest response line from the master, literals included.</summary>
    public int MaxResponseSize { get; init; } = 1024 * 1024;

    /// <summary>The <see cref="RetryDelay"/> as used: never below one second.</summary>
    public TimeSpan EffectiveRetryDelay => RetryDelay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : RetryDelay;
}
