using System.Net;
using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class MupdateSettingsDefaultsTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private MupdateSettings LoadMinimal() => _directory.Load("configdirectory: /var/lib/imap\n");

    [Fact]
    public void SourceAndServiceExposed()
    {
        MupdateSettings settings = LoadMinimal();

        Assert.Equal(Path.Combine(_directory.Root, "imapd.conf"), settings.ConfigFile);
        Assert.Equal("mupdate", settings.ServiceName);
        Assert.Equal("/var/lib/imap", settings.ConfigDirectory);
    }

    [Fact]
    public void IdentityDefaults()
    {
        MupdateSettings settings = LoadMinimal();

        Assert.Equal(Dns.GetHostName(), settings.ServerName);
        Assert.Empty(settings.Admins);
        Assert.Null(settings.MupdateServer);
        Assert.Null(settings.MupdateServerAddress);
        Assert.Equal(MupdateConfigMode.Standard, settings.ConfigMode);
    }

    [Fact]
    public void ConnectionDefaults()
    {
        MupdateSettings settings = LoadMinimal();

        Assert.Equal(128, settings.ConnectionsMax);
        Assert.Equal(3905, settings.Port);
        Assert.False(settings.AllowPlaintext);
        Assert.Null(settings.SaslMechanisms);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.FailedLoginPause);
    }

    [Fact]
    public void ParserLimitDefaults()
    {
        MupdateSettings settings = LoadMinimal();

        Assert.Equal(131072, settings.MaxWord);
        Assert.Equal(131072, settings.MaxQuoted);
        Assert.Equal(131072, settings.MaxLiteral);
        Assert.Equal(1048576, settings.CommandMax);
    }

    [Fact]
    public void SlaveDefaults()
    {
        MupdateSettings settings = LoadMinimal();

        Assert.Equal(TimeSpan.FromSeconds(20), settings.RetryDelay);
        Assert.Equal("", settings.MupdateUsername);
        Assert.Null(settings.MupdateAuthname);
        Assert.Null(settings.MupdateRealm);
        Assert.Null(settings.MupdatePassword);
    }

    [Fact]
    public void OwnOptionDefaults()
    {
        MupdateSettings settings = LoadMinimal();

        Assert.Equal("/var/lib/imap/mupdate.sqlite3", settings.DatabasePath);
        Assert.Equal("/var/lib/imap/mupdate.credentials", settings.CredentialsPath);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.LoginTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.WriteTimeout);
        Assert.Equal(100_000, settings.StreamQueueMax);
        Assert.Equal(1024, settings.CommitBatchMax);
    }

    [Fact]
    public void NoUnknownKeys()
    {
        Assert.Empty(LoadMinimal().Overflow);
    }

    [Fact]
    public void DefaultPathsNormalizeTrailingSlash()
    {
        MupdateSettings settings = _directory.Load("configdirectory: /var/lib/imap/\n");

        Assert.Equal("/var/lib/imap/", settings.ConfigDirectory);
        Assert.Equal("/var/lib/imap/mupdate.sqlite3", settings.DatabasePath);
    }

    [Fact]
    public void DescribeListsDefaults()
    {
        string description = LoadMinimal().Describe();

        Assert.Contains("configdirectory=/var/lib/imap, ", description, StringComparison.Ordinal);
        Assert.Contains("admins=[], ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_server=(not set), ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_config=standard, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_connections_max=128, ", description, StringComparison.Ordinal);
        Assert.Contains("allowplaintext=off, ", description, StringComparison.Ordinal);
        Assert.Contains("failedloginpause=3s, ", description, StringComparison.Ordinal);
        Assert.Contains("maxword=128K, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_username=(empty), ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_password=(not set), ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_idle_timeout=30m, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_command_max=1M, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_commit_batch_max=1024, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_master_timeout=20s, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_resync_delete_percent_max=50, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_resync_guard_entries=1000, ", description, StringComparison.Ordinal);
        Assert.Contains("mupdate_kick_max=256, ", description, StringComparison.Ordinal);
        Assert.Contains("client_timeout=10s, ", description, StringComparison.Ordinal);
        Assert.EndsWith("force_sasl_client_mech=(not set), unknown_keys=0", description, StringComparison.Ordinal);
    }
}
