namespace Mupdate.Configuration;

/// <summary>
/// The validated, immutable settings of the MUPDATE server, built from an <see cref="ImapdConfig"/> by
/// <see cref="Load"/>.
/// </summary>
/// <remarks>
/// Every option is looked up with the service override rule of <see cref="ImapdConfig.Find"/>, so
/// <c>mupdate_admins</c> overrides <c>admins</c> when the service is named <c>mupdate</c>. Keys that none of the
/// options below read are kept in <see cref="Overflow"/>.
/// </remarks>
public sealed partial class MupdateSettings
{
    /// <summary>The configuration these settings were built from, for reading options not typed here.</summary>
    public ImapdConfig Config { get; }

    /// <summary>The main configuration file, as its path was given.</summary>
    public string ConfigFile => Config.ConfigFile;

    /// <summary>The service name from cyrus.conf that selects the <c>service_option</c> overrides.</summary>
    public string ServiceName => Config.ServiceName;

    /// <summary>
    /// <c>configdirectory</c>: the absolute directory for Cyrus state files, as written. Relative paths in
    /// other options resolve against it, and <c>{configdirectory}</c> in a value is replaced with it. Required.
    /// </summary>
    public string ConfigDirectory { get; }

    /// <summary><c>servername</c>: the host name in the banner and for SASL. Default: the system host name.</summary>
    public string ServerName { get; }

    /// <summary><c>admins</c>: the user ids, compared ordinally, that may log in. Default: none.</summary>
    public IReadOnlySet<string> Admins { get; }

    /// <summary><c>mupdate_server</c>: the master a slave connects to, as written, or null when not set.</summary>
    public string? MupdateServer { get; }

    /// <summary><see cref="MupdateServer"/> parsed, or null when it is not set.</summary>
    public MupdateServerAddress? MupdateServerAddress { get; }

    /// <summary><c>mupdate_config</c>: <c>standard</c>, <c>unified</c> or <c>replicated</c>. Default: standard.</summary>
    public MupdateConfigMode ConfigMode { get; }

    /// <summary>
    /// <c>mupdate_connections_max</c>: connections at or above this count are refused. Default 128, range 1 to
    /// 1,000,000.
    /// </summary>
    public int ConnectionsMax { get; }

    /// <summary>
    /// <c>mupdate_port</c>: the TCP port to listen on. Default 3905, range 1 to 65535. Cyrus 3.6 defines this
    /// option but never reads it.
    /// </summary>
    public int Port { get; }

    /// <summary>
    /// <c>allowplaintext</c>: whether plaintext SASL mechanisms such as PLAIN are offered before TLS is active.
    /// Default: off.
    /// </summary>
    public bool AllowPlaintext { get; }

    /// <summary>
    /// <c>sasl_mech_list</c>: the SASL mechanisms to offer, in upper case, in the order written without
    /// repeats, or null when not set. Cyrus then offers every installed mechanism.
    /// </summary>
    public IReadOnlyList<string>? SaslMechanisms { get; }

    /// <summary><c>failedloginpause</c>: the delay after a failed AUTHENTICATE. Default 3s, not negative.</summary>
    public TimeSpan FailedLoginPause { get; }

    /// <summary>
    /// <c>maxword</c>: the largest atom in bytes. Default 128K. Cyrus reads 0 or less as no limit, and
    /// so does this server, which then uses <see cref="CommandMax"/>.
    /// </summary>
    /// <remarks>
    /// NOTE: Cyrus 3.6 read this option as INT, so a hexadecimal (<c>0x100</c>) or leading-zero octal value that
    /// it accepted is invalid or decimal here, because the BYTESIZE syntax of later Cyrus versions applies.
    /// </remarks>
    public long MaxWord { get; }

    /// <summary><c>maxquoted</c>: the largest quoted string in bytes, like <see cref="MaxWord"/>. Default 128K.</summary>
    public long MaxQuoted { get; }

    /// <summary><c>maxliteral</c>: the largest literal in bytes, like <see cref="MaxWord"/>. Default 128K.</summary>
    public long MaxLiteral { get; }

    /// <summary>
    /// <c>mupdate_retry_delay</c>: for a slave, the base delay before reconnecting to the master and the
    /// interval between keepalive NOOPs, written in whole seconds. Default 20, not negative.
    /// </summary>
    public TimeSpan RetryDelay { get; }

    /// <summary><c>mupdate_username</c>: the SASL authorization id a slave uses. Default: empty.</summary>
    public string MupdateUsername { get; }

    /// <summary><c>mupdate_authname</c>: the SASL authentication id a slave uses, or null when not set.</summary>
    public string? MupdateAuthname { get; }

    /// <summary><c>mupdate_realm</c>: the SASL realm a slave uses, or null when not set.</summary>
    public string? MupdateRealm { get; }

    /// <summary>
    /// <c>mupdate_password</c>: the SASL password a slave uses, or null when not set. It never appears in
    /// <see cref="Describe"/>, <see cref="ToString"/> or any error message.
    /// </summary>
    public string? MupdatePassword { get; }

    /// <summary>
    /// <c>mupdate_database</c>: the absolute path of this server's SQLite mailbox list. Default
    /// <c>{configdirectory}/mupdate.sqlite3</c>, and a relative path resolves against configdirectory. It may not
    /// be a file named <c>mailboxes.db</c> or the <c>mboxlist_db_path</c> file, because those hold Cyrus's own
    /// mailbox list.
    /// </summary>
    public string DatabasePath { get; }

    /// <summary>
    /// <c>mupdate_credentials</c>: the absolute path of the file with the users and secrets for SASL
    /// authentication. Default <c>{configdirectory}/mupdate.credentials</c>, and a relative path resolves
    /// against configdirectory. It may not be the database file.
    /// </summary>
    public string CredentialsPath { get; }

    /// <summary>
    /// <c>mupdate_idle_timeout</c>: a connection that sends nothing for this long is closed. Default 30m,
    /// minimum 15m, because RFC 3656 requires servers to wait at least 15 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>
    /// <c>mupdate_login_timeout</c>: the time a connection may stay unauthenticated before it is closed.
    /// Default 60s, range 1s to 1h.
    /// </summary>
    public TimeSpan LoginTimeout { get; }

    /// <summary>
    /// <c>mupdate_write_timeout</c>: a client that accepts no data for this long is disconnected.
    /// Default 60s, range 1s to 1h.
    /// </summary>
    public TimeSpan WriteTimeout { get; }

    /// <summary>
    /// <c>mupdate_dump_timeout</c>: the longest a LIST or an UPDATE dump may take before the client is
    /// disconnected. A dump reads one database snapshot, which keeps SQLite from recycling its
    /// write-ahead log while it lasts. Default 10m, range 10s to 24h.
    /// </summary>
    public TimeSpan DumpTimeout { get; }

    /// <summary>
    /// <c>mupdate_stream_queue_max</c>: the most changes that may wait to be sent on one UPDATE stream before
    /// the client is disconnected. Default 100000, range 16 to 10,000,000.
    /// </summary>
    public int StreamQueueMax { get; }

    /// <summary>
    /// <c>mupdate_stream_buffer_max</c>: the most bytes of changes that may wait on one UPDATE stream before
    /// the client is disconnected. Default 32M, range 64K to 4G.
    /// </summary>
    public long StreamBufferMax { get; }

    /// <summary>
    /// <c>mupdate_command_max</c>: the largest command in bytes, literals included. Default 1M, range 4K to 1G.
    /// </summary>
    public int CommandMax { get; }

    /// <summary>
    /// <c>mupdate_commit_batch_max</c>: the most changes written in one group commit. Default 1024, range 1 to
    /// 100000.
    /// </summary>
    public int CommitBatchMax { get; }

    /// <summary>
    /// <c>mupdate_master_timeout</c>: how long a slave waits for its master's OK to a NOOP, or for the next line of
    /// its dump before the slave drops the connection and reconnects. Default 20s, range 1s to 1h.
    /// </summary>
    public TimeSpan MasterTimeout { get; }

    /// <summary>
    /// <c>mupdate_resync_delete_percent_max</c>: the largest share of a slave's replica, in percent, that one
    /// resync may remove; a resync that would remove more is refused and logged. 100 accepts every resync.
    /// Default 50, range 0 to 100.
    /// </summary>
    public int ResyncDeletePercentMax { get; }

    /// <summary>
    /// <c>mupdate_resync_guard_entries</c>: replicas with fewer entries are not guarded by
    /// <see cref="ResyncDeletePercentMax"/>. Default 1000, range 0 to 100,000,000.
    /// </summary>
    public int ResyncGuardEntries { get; }

    /// <summary>
    /// <c>mupdate_replica_entries_max</c>: the most entries a slave takes in one dump from its master, which it
    /// keeps in memory while it compares. Default 5,000,000, range 1000 to 100,000,000.
    /// </summary>
    public int ReplicaEntriesMax { get; }

    /// <summary>
    /// <c>mupdate_kick_max</c>: the most kick-socket connections waiting at once; more are closed without
    /// <c>ok</c>. Default 256, range 1 to 100,000.
    /// </summary>
    public int KickMax { get; }

    /// <summary><c>client_timeout</c>: the slave's connect timeout to its master. Default 10s, range 1s to 1h.</summary>
    public TimeSpan ClientTimeout { get; }

    /// <summary>
    /// <c>force_sasl_client_mech</c>: the one SASL mechanism the slave logs in with, in upper case, or null to
    /// take the best one both sides have.
    /// </summary>
    public string? ForceSaslClientMech { get; }

    /// <summary>
    /// The keys that none of these settings read, such as <c>partition-*</c>, <c>sasl_*</c> and options of other
    /// Cyrus daemons, by key.
    /// </summary>
    public IReadOnlyDictionary<string, ConfigEntry> Overflow { get; }

    /// <summary>Validates <paramref name="config"/> and builds the settings.</summary>
    /// <exception cref="ConfigurationException">
    /// An option is missing, invalid or out of range. The message starts with the file and line.
    /// </exception>
    public static MupdateSettings Load(ImapdConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new MupdateSettings(config);
    }

    /// <summary>Returns <see cref="Describe"/>, which masks the password.</summary>
    public override string ToString() => Describe();
}
