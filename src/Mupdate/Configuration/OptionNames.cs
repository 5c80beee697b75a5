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

    /// <summary>Cyrus's own mailbox list path, read only to keep the MUPDATE database apart from it.</summary>
    public const string MboxlistDbPath = "mboxlist_db_path";

    /// <summary>Every option above, for telling them apart from the unknown keys.</summary>
    public static FrozenSet<string> All { get; } = FrozenSet.Create(
        StringComparer.Ordinal,
        ConfigDirectory, ServerName, Admins, MupdateServer, MupdateConfig, ConnectionsMax, Port, AllowPlaintext,
        SaslMechList, FailedLoginPause, MaxWord, MaxQuoted, MaxLiteral, RetryDelay, Username, Authname, Realm,
        Password, Database, Credentials, IdleTimeout, LoginTimeout, WriteTimeout, DumpTimeout, StreamQueueMax, StreamBufferMax, CommandMax,
        CommitBatchMax, MboxlistDbPath);
}
