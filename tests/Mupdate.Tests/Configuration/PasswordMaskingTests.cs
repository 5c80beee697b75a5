using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class PasswordMaskingTests : IDisposable
{
    private const string Password = "Tr0ub4dor-s3cret";

    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void DescribeHidesPassword()
    {
        MupdateSettings settings = _directory.Load($"configdirectory: /var/lib/imap\nmupdate_password: {Password}\n");

        string description = settings.Describe();

        Assert.Equal(Password, settings.MupdatePassword);
        Assert.Contains("mupdate_password=(hidden), ", description, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, description, StringComparison.Ordinal);
        Assert.Equal(description, settings.ToString());
    }

    [Fact]
    public void OverrideKeyDescribeHidesPassword()
    {
        MupdateSettings settings = _directory.Load(
            $"configdirectory: /var/lib/imap\nmupdate_mupdate_password: {Password}\n");

        Assert.Equal(Password, settings.MupdatePassword);
        Assert.DoesNotContain(Password, settings.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidNameErrorOmitsPassword()
    {
        ConfigurationException error = _directory.ReadError($"mupdate_password : {Password}\n");

        Assert.Contains("invalid option name 'mupdate_password'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DottedNameErrorOmitsPassword()
    {
        ConfigurationException error = _directory.ReadError($"mupdate.password: {Password}\n");

        Assert.Contains("invalid option name 'mupdate'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateErrorOmitsPasswords()
    {
        ConfigurationException error = _directory.ReadError(
            $"mupdate_password: {Password}\nmupdate_password: other-{Password}\n");

        Assert.Contains("option 'mupdate_password' is set twice", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherErrorsOmitPassword()
    {
        ConfigurationException error = _directory.LoadError(
            $"configdirectory: /var/lib/imap\nmupdate_password: {Password}\nmupdate_port: 0\n");

        Assert.Contains("for mupdate_port", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryToStringOmitsPassword()
    {
        ImapdConfig config = _directory.Read($"mupdate_password: {Password}\n");

        ConfigEntry entry = Assert.Single(config.Entries);

        Assert.DoesNotContain(Password, entry.ToString(), StringComparison.Ordinal);
    }
}
