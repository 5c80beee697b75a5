using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class MupdateSettingsValidationTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string ConfigPath => Path.Combine(_directory.Root, "imapd.conf");

    // Loads a file with configdirectory on line 1 and "option: value" on line 2.
    private MupdateSettings LoadOption(string option, string value) =>
        _directory.Load($"configdirectory: /var/lib/imap\n{option}: {value}\n");

    private ConfigurationException LoadOptionError(string option, string value) =>
        Assert.Throws<ConfigurationException>(() => LoadOption(option, value));

    [Fact]
    public void MissingConfigDirectoryNamesFile()
    {
        ConfigurationException error = _directory.LoadError("admins: cyrus\n");

        Assert.Equal(
            $"{ConfigPath}: configdirectory is not set in this file or any file it includes; add a line such as "
                + "'configdirectory: /var/lib/imap' naming the directory for Cyrus state files",
            error.Message);
        Assert.Null(error.Line);
    }

    [Theory]
    [InlineData("var/lib/imap")]
    [InlineData("./imap")]
    [InlineData("~/imap")]
    public void RelativeConfigDirectoryRejected(string value)
    {
        ConfigurationException error = _directory.LoadError($"# first\nconfigdirectory: {value}\n");

        Assert.Equal(
            $"{ConfigPath}:2: configdirectory must be an absolute path, because other paths are resolved against "
                + $"it; '{value}' is relative",
            error.Message);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/var/..")]
    public void RootConfigDirectoryRejected(string value)
    {
        ConfigurationException error = _directory.LoadError($"configdirectory: {value}\n");

        Assert.StartsWith($"{ConfigPath}:1: configdirectory must not be the root directory", error.Message);
    }

    [Theory]
    [InlineData("mupdate_connections_max", "0", "1 to 1000000")]
    [InlineData("mupdate_connections_max", "1000001", "1 to 1000000")]
    [InlineData("mupdate_port", "0", "1 to 65535")]
    [InlineData("mupdate_port", "65536", "1 to 65535")]
    [InlineData("mupdate_port", "-3905", "1 to 65535")]
    [InlineData("mupdate_stream_queue_max", "15", "16 to 10000000")]
    [InlineData("mupdate_stream_queue_max", "10000001", "16 to 10000000")]
    [InlineData("mupdate_commit_batch_max", "0", "1 to 100000")]
    [InlineData("mupdate_commit_batch_max", "100001", "1 to 100000")]
    public void IntOutOfRangeRejected(string option, string value, string range)
    {
        ConfigurationException error = LoadOptionError(option, value);

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '{value}' for {option}: the value is outside the allowed range {range}",
            error.Message);
    }

    [Theory]
    [InlineData("mupdate_connections_max", "1", 1)]
    [InlineData("mupdate_connections_max", "1000000", 1000000)]
    [InlineData("mupdate_port", "1", 1)]
    [InlineData("mupdate_port", "65535", 65535)]
    [InlineData("mupdate_stream_queue_max", "16", 16)]
    [InlineData("mupdate_stream_queue_max", "10000000", 10000000)]
    [InlineData("mupdate_commit_batch_max", "1", 1)]
    [InlineData("mupdate_commit_batch_max", "100000", 100000)]
    public void IntRangeBoundsAccepted(string option, string value, int expected)
    {
        MupdateSettings settings = LoadOption(option, value);

        int actual = option switch
        {
            "mupdate_connections_max" => settings.ConnectionsMax,
            "mupdate_port" => settings.Port,
            "mupdate_stream_queue_max" => settings.StreamQueueMax,
            _ => settings.CommitBatchMax,
        };
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void RetryDelayNegativeRejected()
    {
        ConfigurationException error = LoadOptionError("mupdate_retry_delay", "-1");

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '-1' for mupdate_retry_delay: the value is outside the allowed range "
                + "0 to 2147483647, because a delay cannot be negative",
            error.Message);
    }

    [Fact]
    public void AllowPlaintextCaseRejected()
    {
        ConfigurationException error = LoadOptionError("allowplaintext", "Yes");

        Assert.Equal(
            $"{ConfigPath}:2: invalid value 'Yes' for allowplaintext: switches are case-sensitive; "
                + "use yes, no, on, off, true, false, 1 or 0",
            error.Message);
    }

    [Theory]
    [InlineData("Unified")]
    [InlineData("yes")]
    [InlineData("murder")]
    public void ConfigModeInvalidRejected(string value)
    {
        ConfigurationException error = LoadOptionError("mupdate_config", value);

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '{value}' for mupdate_config: use one of standard, unified, replicated "
                + "(case-sensitive)",
            error.Message);
    }

    [Fact]
    public void FailedLoginPauseNegativeRejected()
    {
        ConfigurationException error = LoadOptionError("failedloginpause", "-1s");

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '-1s' for failedloginpause: the duration is shorter than the minimum 0s, "
                + "because a pause cannot be negative",
            error.Message);
    }

    [Fact]
    public void IdleTimeoutBelowFifteenMinutesRejected()
    {
        ConfigurationException error = LoadOptionError("mupdate_idle_timeout", "14m59s");

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '14m59s' for mupdate_idle_timeout: the duration is shorter than the "
                + "minimum 15m, because RFC 3656 requires servers to wait at least 15 minutes before closing an idle "
                + "connection",
            error.Message);
    }

    [Theory]
    [InlineData("mupdate_login_timeout", "0s", "shorter than the minimum 1s")]
    [InlineData("mupdate_login_timeout", "1h1s", "longer than the maximum 1h")]
    [InlineData("mupdate_write_timeout", "0", "shorter than the minimum 1s")]
    [InlineData("mupdate_write_timeout", "61m", "longer than the maximum 1h")]
    public void TimeoutOutOfRangeRejected(string option, string value, string problem)
    {
        ConfigurationException error = LoadOptionError(option, value);

        Assert.Equal($"{ConfigPath}:2: invalid value '{value}' for {option}: the duration is {problem}", error.Message);
    }

    [Theory]
    [InlineData("mupdate_login_timeout", "1s", 1L)]
    [InlineData("mupdate_login_timeout", "1h", 3600L)]
    [InlineData("mupdate_write_timeout", "1", 1L)]
    [InlineData("mupdate_write_timeout", "60m", 3600L)]
    [InlineData("mupdate_idle_timeout", "15m", 900L)]
    public void TimeoutBoundsAccepted(string option, string value, long expectedSeconds)
    {
        MupdateSettings settings = LoadOption(option, value);

        TimeSpan actual = option switch
        {
            "mupdate_login_timeout" => settings.LoginTimeout,
            "mupdate_write_timeout" => settings.WriteTimeout,
            _ => settings.IdleTimeout,
        };
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), actual);
    }

    [Theory]
    [InlineData("1H")]
    [InlineData("1h 30m")]
    [InlineData("fast")]
    public void DurationSyntaxErrorRejected(string value)
    {
        ConfigurationException error = LoadOptionError("mupdate_idle_timeout", value);

        Assert.StartsWith($"{ConfigPath}:2: invalid value '{value}' for mupdate_idle_timeout: ", error.Message);
    }

    [Theory]
    [InlineData("4095", "4K to 1G")]
    [InlineData("1025M", "4K to 1G")]
    [InlineData("0", "4K to 1G")]
    public void CommandMaxOutOfRangeRejected(string value, string range)
    {
        ConfigurationException error = LoadOptionError("mupdate_command_max", value);

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '{value}' for mupdate_command_max: the size is outside the allowed range "
                + range,
            error.Message);
    }

    [Theory]
    [InlineData("4K", 4096)]
    [InlineData("1G", 1073741824)]
    [InlineData("4096", 4096)]
    public void CommandMaxBoundsAccepted(string value, int expected)
    {
        Assert.Equal(expected, LoadOption("mupdate_command_max", value).CommandMax);
    }

    [Theory]
    [InlineData("maxword")]
    [InlineData("maxquoted")]
    [InlineData("maxliteral")]
    public void ParserLimitSyntaxErrorRejected(string option)
    {
        ConfigurationException error = LoadOptionError(option, "0x100");

        Assert.StartsWith($"{ConfigPath}:2: invalid value '0x100' for {option}: 'x' is not a unit", error.Message);
    }

    [Theory]
    [InlineData("PLAIN,LOGIN")]
    [InlineData("PLAIN LOGIN/X")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU")]
    public void InvalidSaslMechanismRejected(string value)
    {
        ConfigurationException error = LoadOptionError("sasl_mech_list", value);

        Assert.StartsWith($"{ConfigPath}:2: invalid SASL mechanism name '", error.Message);
        Assert.Contains("in sasl_mech_list: names are at most 20 letters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host:0")]
    [InlineData("a:b:c")]
    [InlineData("host/ssl")]
    public void InvalidMupdateServerRejected(string value)
    {
        ConfigurationException error = LoadOptionError("mupdate_server", value);

        Assert.StartsWith($"{ConfigPath}:2: invalid value '{value}' for mupdate_server: ", error.Message);
    }

    [Theory]
    [InlineData("mailboxes.db")]
    [InlineData("{configdirectory}/mailboxes.db")]
    [InlineData("/srv/other/mailboxes.db")]
    public void CyrusMailboxListFileRejected(string value)
    {
        ConfigurationException error = LoadOptionError("mupdate_database", value);

        Assert.Equal(
            $"{ConfigPath}:2: mupdate_database must not name a file called mailboxes.db, because that is the name "
                + "of Cyrus's own mailbox list database; choose another name, such as mupdate.sqlite3",
            error.Message);
    }

    [Fact]
    public void MboxlistDbPathRejectedAsDatabase()
    {
        ConfigurationException error = _directory.LoadError(
            "configdirectory: /var/lib/imap\nmboxlist_db_path: /var/lib/imap/list.db\nmupdate_database: list.db\n");

        Assert.Equal(
            $"{ConfigPath}:3: mupdate_database names the same file as mboxlist_db_path, which is Cyrus's own "
                + "mailbox list database; choose another file",
            error.Message);
    }

    [Fact]
    public void CredentialsSameAsDatabaseRejected()
    {
        ConfigurationException error = _directory.LoadError(
            "configdirectory: /var/lib/imap\nmupdate_database: same\nmupdate_credentials: /var/lib/imap/same\n");

        Assert.Equal(
            $"{ConfigPath}:3: mupdate_credentials and mupdate_database name the same file; give them different paths",
            error.Message);
    }

    [Theory]
    [InlineData("mupdate_database")]
    [InlineData("mupdate_credentials")]
    public void DirectoryPathRejected(string option)
    {
        ConfigurationException error = LoadOptionError(option, "/srv/mupdate/");

        Assert.Equal(
            $"{ConfigPath}:2: {option} ends with a directory separator, but it must name a file; "
                + "remove the trailing '/'",
            error.Message);
    }

    [Fact]
    public void ErrorInIncludedFileNamesIt()
    {
        string included = _directory.Write("limits.conf", "# limits\nmupdate_port: 99999\n");

        ConfigurationException error = _directory.LoadError($"configdirectory: /var/lib/imap\n@include: {included}\n");

        Assert.StartsWith($"{included}:2: invalid value '99999' for mupdate_port", error.Message);
    }
}
