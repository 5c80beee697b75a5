namespace Mupdate.Interop.Tests.Harness;

/// <summary>A SASL user put into an instance's sasldb2 (realm = the instance's servername).</summary>
public sealed record SaslUser(string Name, string Password);

/// <summary>Settings shared by every kind of <see cref="CyrusInstance"/>.</summary>
public sealed record CyrusInstanceOptions
{
    public required string ServerName { get; init; }

    /// <summary>Users for clients of this instance's own listener (and, on a backend, unused).</summary>
    public IReadOnlyList<SaslUser> Users { get; init; } = [new("mupdater", "secret"), new("mupdater2", "secret")];

    /// <summary>The <c>admins</c> value: who may write to a master.</summary>
    public string Admins { get; init; } = "mupdater";

    /// <summary>The <c>sasl_mech_list</c> the listener offers in its <c>* AUTH</c> line.</summary>
    public string MechanismList { get; init; } = "PLAIN SCRAM-SHA-1 DIGEST-MD5 CRAM-MD5";

    /// <summary>
    /// Users whose sessions on this instance's listener Cyrus 3.6 records in its telemetry log
    /// <c>conf/log/USER/</c> (one file per session, every byte read and written). Cyrus logs
    /// everything else to syslog, which this machine lacks, so this is the only server-side view.
    /// </summary>
    public IReadOnlyList<string> TelemetryUsers { get; init; } = [];

    /// <summary>Extra imapd.conf settings. A key given here replaces the harness's own line for it.</summary>
    public IReadOnlyDictionary<string, string> ExtraConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>How long to wait for the listener's banner (a slave's comes after its first full sync).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The <c>cmd=</c> of the mupdate service in cyrus.conf, given the laid-out instance; null for
    /// Cyrus's own mupdate. Lets master(8) run another MUPDATE server, such as ours.
    /// </summary>
    public Func<CyrusInstance, string>? ServiceCommand { get; init; }

    /// <summary>Runs after the files are laid out and before they are given to user cyrus.</summary>
    public Func<CyrusInstance, Task>? Prepare { get; init; }
}

/// <summary>How a Cyrus slave or backend reaches its MUPDATE master.</summary>
public sealed record MupdateUplink(string Host, int Port, string AuthName, string Password)
{
    /// <summary>
    /// The <c>force_sasl_client_mech</c> value, or null to let the SASL client choose from the
    /// master's offer (Cyrus 3.6 then picks SCRAM-SHA-1 over PLAIN, DIGEST-MD5 and CRAM-MD5).
    /// </summary>
    public string? ForceClientMechanism { get; init; } = "PLAIN";

    /// <summary>
    /// The slave's <c>mupdate_retry_delay</c> in seconds: its idle NOOP period and the base of its
    /// reconnect wait (20 to 29 s by default).
    /// </summary>
    public int RetryDelaySeconds { get; init; } = 20;
}
