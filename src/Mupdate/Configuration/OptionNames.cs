using System.Collections.Frozen;

namespace Mupdate.Configuration;

/// <summary>The imapd.conf option names that <see cref="MupdateSettings"/> reads.</summary>
public static class OptionNames
{
    public const string ConfigDirectory = "configdirectory";
    public const string ServerName = "servername";
    public const string Admins = "admins";
    public const string MupdateServer = "mupdate_server";
    public const string MupdateConfig = "mupdate_config";
    public const string ConnectionsMax = "mupdate_connections_max";
    public const string Port = "mupdate_port";
    public const string AllowPlaintext = "allowplaintext";
    public const string SaslMechList = "sasl_mech_list";
    public const string FailedLoginPause = "failedloginpause";
    public const string MaxWord = "maxword";
    public const string MaxQuoted = "maxquoted";
    public const string MaxLiteral = "maxliteral";
    public const string RetryDelay = "mupdate_retry_delay";
    public const string Username = "mupdate_username";
    public const string Authname = "mupdate_authname";
    public const string Realm = "mupdate_realm";
    public const string Password = "mupdate_password";
    public const string Database = "mupdate_database";
    public const string Credentials = "mupdate_credentials";
    public const string IdleTimeout = "mupdate_idle_timeout";
    public const string LoginTimeout = "mupdate_login_timeout";
    public const string WriteTimeout = "mupdate_write_timeout";
    public const string DumpTimeout = "mupdate_dump_timeout";
    public const string StreamQueueMax = "mupdate_stream_queue_max";
    public const string StreamBufferMax = "mupdate_stream_buffer_max";
    public const string CommandMax = "mupdate_command_max";
    public const string CommitBatchMax = "mupdate_commit_batch_max";
    public const string MasterTimeout = "mupdate_master_timeout";
    public const string ResyncDeletePercentMax = "mupdate_resync_delete_percent_max";
    public const string ResyncGuardEntries = "mupdate_resync_guard_entries";
    public const string ReplicaEntriesMax = "mupdate_replica_entries_max";
    public const string KickMax = "mupdate_kick_max";

    /// <summary>Cyrus's connect timeout for outgoing connections, the slave's to its master among them.</summary>
    public const string ClientTimeout = "client_timeout";

    /// <summary>Cyrus's option that makes a client use one SASL mechanism.</summary>
    public const string ForceSaslClientMech = "force_sasl_client_mech";

    /// <summary>Cyrus's own mailbox list path, read only to keep the MUPDATE database apart from it.</summary>
    public const string MboxlistDbPath = "mboxlist_db_path";

    /// <summary>Every option above, for telling them apart from the unknown keys.</summary>
    public static FrozenSet<string> All { get; } = FrozenSet.Create(
        StringComparer.Ordinal,
        ConfigDirectory, ServerName, Admins, MupdateServer, MupdateConfig, ConnectionsMax, Port, AllowPlaintext,
        SaslMechList, FailedLoginPause, MaxWord, MaxQuoted, MaxLiteral, RetryDelay, Username, Authname, Realm,
        Password, Database, Credentials, IdleTimeout, LoginTimeout, WriteTimeout, DumpTimeout, StreamQueueMax, StreamBufferMax, CommandMax,
        CommitBatchMax, MasterTimeout, ResyncDeletePercentMax, ResyncGuardEntries, ReplicaEntriesMax, KickMax, ClientTimeout,
        ForceSaslClientMech, MboxlistDbPath);
}
