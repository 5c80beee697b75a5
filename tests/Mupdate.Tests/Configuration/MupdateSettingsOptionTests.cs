using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class MupdateSettingsOptionTests : IDisposable
{
    private const string Base = "configdirectory: /var/lib/imap\n";

    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private MupdateSettings Load(string lines) => _directory.Load(Base + lines);

    [Fact]
    public void EveryOptionRead()
    {
        MupdateSettings settings = Load(
            """
            servername: mupdate.example.com
            admins: cyrus  admin	other
            mupdate_server: master.example.com:4000/tls
            mupdate_config: replicated
            mupdate_connections_max: 0x100
            mupdate_port: 4905
            allowplaintext: yes
            sasl_mech_list: plain scram-sha-256
            failedloginpause: 1m
            maxword: 64K
            maxquoted: 4096
            maxliteral: 2 MiB
            mupdate_retry_delay: 030
            mupdate_username: slave
            mupdate_authname: mupdate-auth
            mupdate_realm: EXAMPLE.COM
            mupdate_password: s3cret
            mupdate_database: /srv/mupdate/list.sqlite3
            mupdate_credentials: secrets/users
            mupdate_idle_timeout: 1h
            mupdate_login_timeout: 30
            mupdate_write_timeout: 2m
            mupdate_stream_queue_max: 500
            mupdate_command_max: 8M
            mupdate_commit_batch_max: 64
            """);

        Assert.Equal("mupdate.example.com", settings.ServerName);
        Assert.Equal(["admin", "cyrus", "other"], settings.Admins.Order(StringComparer.Ordinal));
        Assert.Equal("master.example.com:4000/tls", settings.MupdateServer);
        Assert.Equal(new MupdateServerAddress("master.example.com", 4000, true, false), settings.MupdateServerAddress);
        Assert.Equal(MupdateConfigMode.Replicated, settings.ConfigMode);
        Assert.Equal(256, settings.ConnectionsMax);
        Assert.Equal(4905, settings.Port);
        Assert.True(settings.AllowPlaintext);
        Assert.Equal(["PLAIN", "SCRAM-SHA-256"], settings.SaslMechanisms);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.FailedLoginPause);
        Assert.Equal(65536, settings.MaxWord);
        Assert.Equal(4096, settings.MaxQuoted);
        Assert.Equal(2097152, settings.MaxLiteral);
        Assert.Equal(TimeSpan.FromSeconds(24), settings.RetryDelay);
        Assert.Equal("slave", settings.MupdateUsername);
        Assert.Equal("mupdate-auth", settings.MupdateAuthname);
        Assert.Equal("EXAMPLE.COM", settings.MupdateRealm);
        Assert.Equal("s3cret", settings.MupdatePassword);
        Assert.Equal("/srv/mupdate/list.sqlite3", settings.DatabasePath);
        Assert.Equal("/var/lib/imap/secrets/users", settings.CredentialsPath);
        Assert.Equal(TimeSpan.FromHours(1), settings.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.LoginTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.WriteTimeout);
        Assert.Equal(500, settings.StreamQueueMax);
        Assert.Equal(8388608, settings.CommandMax);
        Assert.Equal(64, settings.CommitBatchMax);
        Assert.Empty(settings.Overflow);
    }

    [Fact]
    public void AdminsComparedOrdinally()
    {
        MupdateSettings settings = Load("admins: Cyrus\n");

        Assert.Contains("Cyrus", settings.Admins);
        Assert.DoesNotContain("cyrus", settings.Admins);
    }

    [Theory]
    [InlineData("standard", MupdateConfigMode.Standard)]
    [InlineData("unified", MupdateConfigMode.Unified)]
    [InlineData("replicated", MupdateConfigMode.Replicated)]
    public void ConfigModeParsed(string value, MupdateConfigMode expected)
    {
        Assert.Equal(expected, Load($"mupdate_config: {value}\n").ConfigMode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("0K")]
    public void ParserLimitZeroMeansCommandMax(string value)
    {
        MupdateSettings settings = Load(
            $"mupdate_command_max: 2M\nmaxword: {value}\nmaxquoted: {value}\nmaxliteral: {value}\n");

        Assert.Equal(2097152, settings.MaxWord);
        Assert.Equal(2097152, settings.MaxQuoted);
        Assert.Equal(2097152, settings.MaxLiteral);
    }

    [Fact]
    public void SaslMechanismsDeduplicatedInOrder()
    {
        MupdateSettings settings = Load("sasl_mech_list: SCRAM-SHA-256 plain  Plain\tLOGIN\n");

        Assert.Equal(["SCRAM-SHA-256", "PLAIN", "LOGIN"], settings.SaslMechanisms);
    }

    [Fact]
    public void SaslMechanismsServiceOverride()
    {
        MupdateSettings settings = Load("sasl_mech_list: PLAIN\nmupdate_sasl_mech_list: EXTERNAL\n");

        Assert.Equal(["EXTERNAL"], settings.SaslMechanisms);
    }

    [Fact]
    public void AdminsServiceOverride()
    {
        MupdateSettings settings = Load("mupdate_admins: murder\nadmins: cyrus\n");

        Assert.Equal(["murder"], settings.Admins);
    }

    [Fact]
    public void DurationBareNumberInSeconds()
    {
        MupdateSettings settings = Load("mupdate_idle_timeout: 900\nfailedloginpause: 0\n");

        Assert.Equal(TimeSpan.FromMinutes(15), settings.IdleTimeout);
        Assert.Equal(TimeSpan.Zero, settings.FailedLoginPause);
    }

    [Fact]
    public void RetryDelayZeroAllowed()
    {
        Assert.Equal(TimeSpan.Zero, Load("mupdate_retry_delay: 0\n").RetryDelay);
    }

    [Fact]
    public void RelativeDatabaseResolvedAgainstConfigDirectory()
    {
        MupdateSettings settings = Load("mupdate_database: data/../db/list.sqlite3\n");

        Assert.Equal("/var/lib/imap/db/list.sqlite3", settings.DatabasePath);
    }

    [Fact]
    public void OtherMboxlistPathAllowed()
    {
        MupdateSettings settings = Load("mboxlist_db_path: /srv/cyrus/mailboxes.db\nmupdate_database: list.sqlite3\n");

        Assert.Equal("/var/lib/imap/list.sqlite3", settings.DatabasePath);
        Assert.Empty(settings.Overflow);
    }

    [Fact]
    public void UnknownKeysKeptInOverflow()
    {
        MupdateSettings settings = Load(
            """
            partition-default: /var/spool/imap
            sasl_pwcheck_method: saslauthd
            mupdate_workers_max: 50
            imap_admins: someone
            mupdate_admins: murder
            mupdate_mupdate_port: 4000
            mupdate_typo_option: x
            """);

        Assert.Equal(
            ["imap_admins", "mupdate_typo_option", "mupdate_workers_max", "partition-default", "sasl_pwcheck_method"],
            settings.Overflow.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("saslauthd", settings.Overflow["sasl_pwcheck_method"].Value);
        Assert.Equal(3, settings.Overflow["sasl_pwcheck_method"].Line);
        Assert.Equal(4000, settings.Port);
    }

    [Fact]
    public void ConfigExposesUntypedOptions()
    {
        MupdateSettings settings = Load("tls_server_cert: {configdirectory}/tls/cert.pem\n");

        Assert.Equal("/var/lib/imap/tls/cert.pem", settings.Config.GetString("tls_server_cert"));
    }

    [Fact]
    public void ServerNameFromOverride()
    {
        MupdateSettings settings = Load("servername: generic.example.com\nmupdate_servername: murder.example.com\n");

        Assert.Equal("murder.example.com", settings.ServerName);
    }

    [Fact]
    public void DescribeListsSetValues()
    {
        string description = Load(
            "admins: b a\nmupdate_server: master:4000\nsasl_mech_list: plain login\npartition-x: /x\n").Describe();

        Assert.Contains("admins=[a b], ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_server=master:4000, ", description, StringComparison.Ordinal);
        Assert.Contains("sasl_mech_list=PLAIN LOGIN, ", description, StringComparison.Ordinal);
        Assert.EndsWith("unknown_keys=1", description, StringComparison.Ordinal);
    }
}
