using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace Mupdate.Configuration;

// Reading and validating each option.
public sealed partial class MupdateSettings
{
    private const string CyrusMailboxListFileName = "mailboxes.db";

    private static readonly string[] ConfigModeNames = ["standard", "unified", "replicated"];

    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(DurationValue.MaxSeconds);

    private MupdateSettings(ImapdConfig config)
    {
        Config = config;
        ConfigDirectory = LoadConfigDirectory(config);
        ServerName = config.GetString(OptionNames.ServerName) ?? LocalHostName(config);
        Admins = SplitWords(config.GetString(OptionNames.Admins)).ToFrozenSet(StringComparer.Ordinal);

        MupdateServer = config.GetString(OptionNames.MupdateServer);
        MupdateServerAddress = MupdateServer is null ? null : LoadServerAddress(config, MupdateServer);
        ConfigMode = LoadConfigMode(config);

        ConnectionsMax = (int)config.GetInt(OptionNames.ConnectionsMax, 128, 1, 1_000_000);
        Port = (int)config.GetInt(OptionNames.Port, MupdateServerAddress.DefaultPort, 1, 65535);
        AllowPlaintext = config.GetSwitch(OptionNames.AllowPlaintext, defaultValue: false);
        SaslMechanisms = LoadSaslMechanisms(config);
        FailedLoginPause = config.GetDuration(
            OptionNames.FailedLoginPause, TimeSpan.FromSeconds(3), DurationUnit.Seconds, TimeSpan.Zero, MaxDuration,
            "a pause cannot be negative");

        CommandMax = (int)config.GetByteSize(
            OptionNames.CommandMax, ByteSizeValue.Mebi, 4 * ByteSizeValue.Kibi, ByteSizeValue.Gibi);
        MaxWord = LoadParserLimit(config, OptionNames.MaxWord, CommandMax);
        MaxQuoted = LoadParserLimit(config, OptionNames.MaxQuoted, CommandMax);
        MaxLiteral = LoadParserLimit(config, OptionNames.MaxLiteral, CommandMax);

        long retrySeconds = config.GetInt(
            OptionNames.RetryDelay, 20, 0, DurationValue.MaxSeconds, "a delay cannot be negative");
        RetryDelay = TimeSpan.FromSeconds(retrySeconds);
        MupdateUsername = config.GetString(OptionNames.Username) ?? "";
        MupdateAuthname = config.GetString(OptionNames.Authname);
        MupdateRealm = config.GetString(OptionNames.Realm);
        MupdatePassword = config.GetString(OptionNames.Password);

        DatabasePath = LoadDatabasePath(config, ConfigDirectory);
        CredentialsPath = LoadCredentialsPath(config, ConfigDirectory, DatabasePath);

        IdleTimeout = config.GetDuration(
            OptionNames.IdleTimeout, TimeSpan.FromMinutes(30), DurationUnit.Seconds, TimeSpan.FromMinutes(15),
            MaxDuration, "RFC 3656 requires servers to wait at least 15 minutes before closing an idle connection");
        LoginTimeout = config.GetDuration(
            OptionNames.LoginTimeout, TimeSpan.FromSeconds(60), DurationUnit.Seconds, TimeSpan.FromSeconds(1),
            TimeSpan.FromHours(1));
        WriteTimeout = config.GetDuration(
            OptionNames.WriteTimeout, TimeSpan.FromSeconds(60), DurationUnit.Seconds, TimeSpan.FromSeconds(1),
            TimeSpan.FromHours(1));

        DumpTimeout = config.GetDuration(
            OptionNames.DumpTimeout, TimeSpan.FromMinutes(10), DurationUnit.Seconds, TimeSpan.FromSeconds(10),
            TimeSpan.FromHours(24));

        StreamQueueMax = (int)config.GetInt(OptionNames.StreamQueueMax, 100_000, 16, 10_000_000);
        StreamBufferMax = config.GetByteSize(OptionNames.StreamBufferMax, 32 * ByteSizeValue.Mebi, 64 * ByteSizeValue.Kibi, 4 * ByteSizeValue.Gibi);
        CommitBatchMax = (int)config.GetInt(OptionNames.CommitBatchMax, 1024, 1, 100_000);

        MasterTimeout = config.GetDuration(
            OptionNames.MasterTimeout, TimeSpan.FromSeconds(20), DurationUnit.Seconds, TimeSpan.FromSeconds(1),
            TimeSpan.FromHours(1));
        ResyncDeletePercentMax = (int)config.GetInt(OptionNames.ResyncDeletePercentMax, 50, 0, 100);
        ResyncGuardEntries = (int)config.GetInt(OptionNames.ResyncGuardEntries, 1000, 0, 100_000_000);
        ReplicaEntriesMax = (int)config.GetInt(OptionNames.ReplicaEntriesMax, 5_000_000, 1000, 100_000_000);
        KickMax = (int)config.GetInt(OptionNames.KickMax, 256, 1, 100_000);
        ClientTimeout = config.GetDuration(
            OptionNames.ClientTimeout, TimeSpan.FromSeconds(10), DurationUnit.Seconds, TimeSpan.FromSeconds(1),
            TimeSpan.FromHours(1));
        ForceSaslClientMech = config.GetString(OptionNames.ForceSaslClientMech)?.Trim().ToUpperInvariant() is { Length: > 0 } mech
            ? mech
            : null;

        Overflow = config.Entries
            .Where(entry => !IsKnownKey(config, entry.Key))
            .ToFrozenDictionary(entry => entry.Key, StringComparer.Ordinal);
    }

    private static string LoadConfigDirectory(ImapdConfig config)
    {
        ConfigEntry? entry = config.Find(OptionNames.ConfigDirectory);
        if (entry is null)
        {
            throw new ConfigurationException(
                config.ConfigFile, "configdirectory is not set in this file or any file it includes; add a line "
                    + "such as 'configdirectory: /var/lib/imap' naming the directory for Cyrus state files");
        }

        // Relative paths in other options, and {configdirectory} in values, are resolved against this directory.
        // A relative one would make all of them depend on the working directory the server happens to start in.
        if (!Path.IsPathFullyQualified(entry.Value))
        {
            throw ImapdConfig.ErrorAt(
                entry, $"configdirectory must be an absolute path, because other paths are resolved against it; "
                    + $"'{MessageText.Shorten(entry.Value)}' is relative");
        }

        if (Path.GetFullPath(entry.Value) == Path.GetPathRoot(entry.Value))
        {
            throw ImapdConfig.ErrorAt(
                entry, "configdirectory must not be the root directory, because the database and sockets would be "
                    + "created there; name a directory such as /var/lib/imap");
        }

        return entry.Value;
    }

    private static string LocalHostName(ImapdConfig config)
    {
        try
        {
            return Dns.GetHostName();
        }
        catch (SocketException ex)
        {
            throw new ConfigurationException(
                config.ConfigFile, $"servername is not set and the host name could not be read ({ex.Message}); "
                    + "set servername", ex);
        }
    }

    private static MupdateServerAddress LoadServerAddress(ImapdConfig config, string value)
    {
        try
        {
            return MupdateServerAddress.Parse(value);
        }
        catch (FormatException ex)
        {
            ConfigEntry entry = config.Find(OptionNames.MupdateServer)!;
            throw ImapdConfig.ErrorAt(
                entry, $"invalid value '{MessageText.Shorten(value)}' for {entry.Key}: {ex.Message}");
        }
    }

    private static MupdateConfigMode LoadConfigMode(ImapdConfig config) =>
        config.GetEnum(OptionNames.MupdateConfig, "standard", ConfigModeNames) switch
        {
            "unified" => MupdateConfigMode.Unified,
            "replicated" => MupdateConfigMode.Replicated,
            _ => MupdateConfigMode.Standard,
        };

    // Mechanism names are 1 to 20 characters from A-Z, 0-9, '-' and '_' (RFC 4422).
    private static string[]? LoadSaslMechanisms(ImapdConfig config)
    {
        string? value = config.GetString(OptionNames.SaslMechList);
        if (value is null)
        {
            return null;
        }

        var names = new List<string>();
        foreach (string word in SplitWords(value))
        {
            string name = word.ToUpperInvariant();
            bool valid = name.Length <= 20
                && name.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c is '-' or '_');
            if (!valid)
            {
                ConfigEntry entry = config.Find(OptionNames.SaslMechList)!;
                throw ImapdConfig.ErrorAt(
                    entry, $"invalid SASL mechanism name '{MessageText.Shorten(word)}' in {entry.Key}: names are at "
                        + "most 20 letters, digits, '-' and '_', separated by spaces, as in 'PLAIN SCRAM-SHA-256'");
            }

            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names.ToArray();
    }

    // Cyrus reads 0 or less as "no limit". A word can never be longer than the whole command, so the command
    // limit is used in its place.
    private static long LoadParserLimit(ImapdConfig config, string option, int commandMax)
    {
        long value = config.GetByteSize(option, 128 * ByteSizeValue.Kibi, long.MinValue, long.MaxValue);
        return value <= 0 ? commandMax : value;
    }

    private static string LoadDatabasePath(ImapdConfig config, string configDirectory)
    {
        string path = ResolvePath(config, OptionNames.Database, "mupdate.sqlite3", configDirectory);
        ConfigEntry? entry = config.Find(OptionNames.Database);
        if (entry is null)
        {
            return path;
        }

        if (Path.GetFileName(path) == CyrusMailboxListFileName)
        {
            throw ImapdConfig.ErrorAt(
                entry, $"{entry.Key} must not name a file called {CyrusMailboxListFileName}, because that is the "
                    + "name of Cyrus's own mailbox list database; choose another name, such as mupdate.sqlite3");
        }

        string? cyrusList = config.GetString(OptionNames.MboxlistDbPath);
        if (cyrusList is not null && Path.GetFullPath(cyrusList, configDirectory) == path)
        {
            throw ImapdConfig.ErrorAt(
                entry, $"{entry.Key} names the same file as mboxlist_db_path, which is Cyrus's own mailbox list "
                    + "database; choose another file");
        }

        return path;
    }

    private static string LoadCredentialsPath(ImapdConfig config, string configDirectory, string databasePath)
    {
        string path = ResolvePath(config, OptionNames.Credentials, "mupdate.credentials", configDirectory);
        if (path == databasePath)
        {
            ConfigEntry entry = config.Find(OptionNames.Credentials) ?? config.Find(OptionNames.Database)!;
            throw ImapdConfig.ErrorAt(
                entry, "mupdate_credentials and mupdate_database name the same file; give them different paths");
        }

        return path;
    }

    // Returns the option's path made absolute against configdirectory, or the default file in configdirectory.
    private static string ResolvePath(ImapdConfig config, string option, string defaultFileName, string configDirectory)
    {
        string path = Path.GetFullPath(config.GetString(option) ?? defaultFileName, configDirectory);
        if (Path.GetFileName(path).Length == 0)
        {
            ConfigEntry entry = config.Find(option)!;
            throw ImapdConfig.ErrorAt(
                entry, $"{entry.Key} ends with a directory separator, but it must name a file; remove the trailing '/'");
        }

        return path;
    }

    private static bool IsKnownKey(ImapdConfig config, string key) =>
        OptionNames.All.Contains(key) || OptionNames.All.Contains(config.OptionNameOf(key));

    private static string[] SplitWords(string? value) =>
        value is null ? [] : value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
