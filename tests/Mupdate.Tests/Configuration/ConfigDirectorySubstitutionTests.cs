using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class ConfigDirectorySubstitutionTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string ConfigPath => Path.Combine(_directory.Root, "imapd.conf");

    [Theory]
    [InlineData("{configdirectory}/socket/x", "/var/lib/imap/socket/x")]
    [InlineData("{ConfigDirectory}/x", "/var/lib/imap/x")]
    [InlineData("{CONFIGDIRECTORY}", "/var/lib/imap")]
    [InlineData("x{configdirectory}", "x{configdirectory}")]
    [InlineData("{configdirectory", "{configdirectory")]
    [InlineData("/srv/{configdirectory}", "/srv/{configdirectory}")]
    public void PlaceholderReplacedOnlyAtStart(string value, string expected)
    {
        ImapdConfig config = _directory.Read($"configdirectory: /var/lib/imap\nsome_path: {value}\n");

        Assert.Equal(expected, config.GetString("some_path"));
    }

    [Fact]
    public void ConfigDirectoryNotExpandedInItself()
    {
        ImapdConfig config = _directory.Read("configdirectory: {configdirectory}/x\n");

        Assert.Equal("{configdirectory}/x", config.GetString("configdirectory"));
    }

    [Fact]
    public void ServiceOverrideOfConfigDirectoryUsed()
    {
        ImapdConfig config = _directory.Read(
            "configdirectory: /var/lib/imap\nmupdate_configdirectory: /srv/mupdate\np: {configdirectory}/x\n");

        Assert.Equal("/srv/mupdate/x", config.GetString("p"));
    }

    [Fact]
    public void MissingConfigDirectoryRejected()
    {
        ImapdConfig config = _directory.Read("# no configdirectory\nsome_path: {configdirectory}/x\n");

        var error = Assert.Throws<ConfigurationException>(() => config.GetString("some_path"));

        Assert.Equal(
            $"{ConfigPath}:2: some_path starts with {{configdirectory}}, but configdirectory is not set; "
                + "set configdirectory or write the full path",
            error.Message);
    }

    [Fact]
    public void DatabasePathExpanded()
    {
        MupdateSettings settings = MupdateSettings.Load(
            _directory.Read("configdirectory: /var/lib/imap\nmupdate_database: {configdirectory}/db/m.sqlite3\n"));

        Assert.Equal("/var/lib/imap/db/m.sqlite3", settings.DatabasePath);
    }

    [Fact]
    public void SlaveStringExpanded()
    {
        MupdateSettings settings = MupdateSettings.Load(
            _directory.Read("configdirectory: /var/lib/imap\nmupdate_realm: {configdirectory}\n"));

        Assert.Equal("/var/lib/imap", settings.MupdateRealm);
    }
}
