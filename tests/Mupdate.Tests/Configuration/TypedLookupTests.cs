using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class TypedLookupTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string ConfigPath => Path.Combine(_directory.Root, "imapd.conf");

    // Reads a file whose second line is "option: value".
    private ImapdConfig ReadOption(string option, string value) => _directory.Read($"# first\n{option}: {value}\n");

    [Fact]
    public void UnsetOptionsReturnDefaults()
    {
        ImapdConfig config = _directory.Read("# nothing set\n");

        Assert.True(config.GetSwitch("flag", defaultValue: true));
        Assert.Equal(7, config.GetInt("number", 7, 0, 10));
        Assert.Equal("b", config.GetEnum("mode", "b", ["a", "b"]));
        Assert.Equal(TimeSpan.FromMinutes(2), config.GetDuration(
            "delay", TimeSpan.FromMinutes(2), DurationUnit.Seconds, TimeSpan.Zero, TimeSpan.FromHours(1)));
        Assert.Equal(99, config.GetByteSize("size", 99, 0, 100));
    }

    [Fact]
    public void SwitchErrorNamesLocation()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("allowplaintext", "Yes").GetSwitch("allowplaintext", defaultValue: false));

        Assert.Equal(
            $"{ConfigPath}:2: invalid value 'Yes' for allowplaintext: switches are case-sensitive; "
                + "use yes, no, on, off, true, false, 1 or 0",
            error.Message);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void SwitchErrorNamesOverrideKey()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("mupdate_allowplaintext", "maybe").GetSwitch("allowplaintext", defaultValue: false));

        Assert.StartsWith($"{ConfigPath}:2: invalid value 'maybe' for mupdate_allowplaintext: use yes", error.Message);
    }

    [Fact]
    public void IntOutOfRangeRejected()
    {
        var error = Assert.Throws<ConfigurationException>(() => ReadOption("number", "11").GetInt("number", 7, 0, 10));

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '11' for number: the value is outside the allowed range 0 to 10",
            error.Message);
    }

    [Fact]
    public void IntBelowMinimumGivesReason()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("number", "-1").GetInt("number", 7, 0, 10, "a count cannot be negative"));

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '-1' for number: the value is outside the allowed range 0 to 10, "
                + "because a count cannot be negative",
            error.Message);
    }

    [Fact]
    public void IntAboveMaximumOmitsMinimumReason()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("number", "20").GetInt("number", 7, 0, 10, "a count cannot be negative"));

        Assert.DoesNotContain("because", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntOverflowReportedAsRange()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("number", "99999999999999999999").GetInt("number", 7, 0, 10));

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '99999999999999999999' for number: the number is outside the allowed "
                + "range 0 to 10",
            error.Message);
    }

    [Fact]
    public void IntSyntaxErrorNamesLocation()
    {
        var error = Assert.Throws<ConfigurationException>(() => ReadOption("number", "08").GetInt("number", 7, 0, 10));

        Assert.StartsWith(
            $"{ConfigPath}:2: invalid value '08' for number: a leading 0 makes the number octal", error.Message);
    }

    [Fact]
    public void EnumErrorListsNames()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("mode", "A").GetEnum("mode", "a", ["a", "b"]));

        Assert.Equal($"{ConfigPath}:2: invalid value 'A' for mode: use one of a, b (case-sensitive)", error.Message);
    }

    [Fact]
    public void DurationBoundsChecked()
    {
        TimeSpan Get(string value) => ReadOption("delay", value).GetDuration(
            "delay", TimeSpan.Zero, DurationUnit.Seconds, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "why");

        var tooShort = Assert.Throws<ConfigurationException>(() => Get("0s"));
        var tooLong = Assert.Throws<ConfigurationException>(() => Get("1h1s"));

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '0s' for delay: the duration is shorter than the minimum 1s, because why",
            tooShort.Message);
        Assert.Equal(
            $"{ConfigPath}:2: invalid value '1h1s' for delay: the duration is longer than the maximum 1h",
            tooLong.Message);
    }

    [Fact]
    public void DurationUsesDefaultUnit()
    {
        TimeSpan value = ReadOption("delay", "5").GetDuration(
            "delay", TimeSpan.Zero, DurationUnit.Minutes, TimeSpan.Zero, TimeSpan.FromHours(1));

        Assert.Equal(TimeSpan.FromMinutes(5), value);
    }

    [Fact]
    public void DurationOverflowNamesLocation()
    {
        var error = Assert.Throws<ConfigurationException>(() => ReadOption("delay", "99999d").GetDuration(
            "delay", TimeSpan.Zero, DurationUnit.Seconds, TimeSpan.Zero, TimeSpan.MaxValue));

        Assert.StartsWith(
            $"{ConfigPath}:2: invalid value '99999d' for delay: the duration is longer than", error.Message);
    }

    [Fact]
    public void ByteSizeBoundsChecked()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("size", "2M").GetByteSize("size", 0, 4096, 1048576));

        Assert.Equal(
            $"{ConfigPath}:2: invalid value '2M' for size: the size is outside the allowed range 4K to 1M",
            error.Message);
    }

    [Fact]
    public void ByteSizeSyntaxErrorNamesLocation()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("size", "1T").GetByteSize("size", 0, 0, long.MaxValue));

        Assert.StartsWith($"{ConfigPath}:2: invalid value '1T' for size: 'T' is not a unit", error.Message);
    }

    [Fact]
    public void ControlCharacterEscapedInMessage()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ReadOption("mode", "a\u0001b").GetEnum("mode", "a", ["a", "b"]));

        Assert.StartsWith($"{ConfigPath}:2: invalid value 'a\\x01b' for mode", error.Message);
    }

    [Fact]
    public void LongValueShortenedInMessage()
    {
        string value = new('x', 300);

        var error = Assert.Throws<ConfigurationException>(() => ReadOption("number", value).GetInt("number", 0, 0, 1));

        Assert.Contains($"'{new string('x', 80)}...'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 81), error.Message, StringComparison.Ordinal);
    }
}
