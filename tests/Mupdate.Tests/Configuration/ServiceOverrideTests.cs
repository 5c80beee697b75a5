using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class ServiceOverrideTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private ImapdConfig Read(string content, string serviceName) =>
        ImapdConfigReader.ReadFile(_directory.Write("imapd.conf", content), serviceName);

    [Fact]
    public void SpecificAfterGenericWins()
    {
        ImapdConfig config = Read("admins: generic\nmupdate_admins: specific\n", "mupdate");

        ConfigEntry? entry = config.Find("admins");

        Assert.NotNull(entry);
        Assert.Equal("specific", entry.Value);
        Assert.Equal("mupdate_admins", entry.Key);
        Assert.Equal(2, entry.Line);
    }

    [Fact]
    public void SpecificBeforeGenericWins()
    {
        ImapdConfig config = Read("mupdate_admins: specific\nadmins: generic\n", "mupdate");

        Assert.Equal("specific", config.Find("admins")?.Value);
        Assert.Equal("specific", config.GetString("admins"));
    }

    [Fact]
    public void OtherServiceUsesGeneric()
    {
        ImapdConfig config = Read("admins: generic\nmupdate_admins: specific\n", "imap");

        Assert.Equal("generic", config.Find("admins")?.Value);
    }

    [Fact]
    public void OtherServiceOverrideApplies()
    {
        ImapdConfig config = Read("admins: generic\nmupdate_admins: specific\nmupdate2_admins: second\n", "mupdate2");

        Assert.Equal("second", config.Find("admins")?.Value);
        Assert.Equal("mupdate2", config.ServiceName);
    }

    [Fact]
    public void ServiceNameMatchedCaseInsensitively()
    {
        ImapdConfig config = Read("admins: generic\nMupdate_Admins: specific\n", "MUPDATE");

        Assert.Equal("specific", config.Find("admins")?.Value);
        Assert.Equal("MUPDATE", config.ServiceName);
    }

    [Fact]
    public void OptionNameMatchedCaseInsensitively()
    {
        ImapdConfig config = Read("admins: generic\n", "mupdate");

        Assert.Equal("generic", config.Find("ADMINS")?.Value);
    }

    [Fact]
    public void UnknownKeyOverrideApplies()
    {
        ImapdConfig config = Read("sasl_pwcheck_method: auxprop\nmupdate_sasl_pwcheck_method: saslauthd\n", "mupdate");

        Assert.Equal("saslauthd", config.GetString("sasl_pwcheck_method"));
    }

    [Fact]
    public void MissingOptionReturnsNull()
    {
        ImapdConfig config = Read("admins: a\n", "mupdate");

        Assert.Null(config.Find("servername"));
        Assert.Null(config.GetString("servername"));
    }

    [Fact]
    public void OverrideOfMupdatePrefixedOption()
    {
        ImapdConfig config = Read("mupdate_port: 4000\nmupdate_mupdate_port: 5000\n", "mupdate");

        Assert.Equal(5000, config.GetInt("mupdate_port", 3905, 1, 65535));
    }

    [Theory]
    [InlineData("mupdate_admins", "admins")]
    [InlineData("mupdate_mupdate_port", "mupdate_port")]
    [InlineData("mupdate_port", "port")]
    [InlineData("admins", "admins")]
    [InlineData("mupdate_", "mupdate_")]
    [InlineData("imap_admins", "imap_admins")]
    public void OptionNameOfStripsServicePrefix(string key, string expected)
    {
        ImapdConfig config = Read("admins: a\n", "mupdate");

        Assert.Equal(expected, config.OptionNameOf(key));
    }

    [Theory]
    [InlineData(null, "mupdate")]
    [InlineData("", "mupdate")]
    [InlineData("mupdate-slave", "mupdate-slave")]
    public void ServiceNameResolvedFromEnvironmentValue(string? value, string expected)
    {
        Assert.Equal(expected, ImapdConfigReader.ResolveServiceName(value));
    }

    [Fact]
    public void ReadFileWithoutServiceUsesEnvironment()
    {
        string path = _directory.Write("imapd.conf", "admins: a\n");

        ImapdConfig config = ImapdConfigReader.ReadFile(path);

        Assert.Equal(ImapdConfigReader.ServiceNameFromEnvironment(), config.ServiceName);
    }

    [Fact]
    public void EmptyServiceNameMeansDefault()
    {
        ImapdConfig config = Read("admins: generic\nmupdate_admins: specific\n", "");

        Assert.Equal("mupdate", config.ServiceName);
        Assert.Equal("specific", config.Find("admins")?.Value);
    }
}
