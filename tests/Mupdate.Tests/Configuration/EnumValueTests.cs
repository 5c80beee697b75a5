using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class EnumValueTests
{
    private static readonly string[] Allowed = ["off", "on", "standard", "unified"];

    [Theory]
    [InlineData("1", "on")]
    [InlineData("yes", "on")]
    [InlineData("t", "on")]
    [InlineData("true", "on")]
    [InlineData("on", "on")]
    [InlineData("0", "off")]
    [InlineData("no", "off")]
    [InlineData("f", "off")]
    [InlineData("false", "off")]
    [InlineData("off", "off")]
    [InlineData("standard", "standard")]
    [InlineData("unified", "unified")]
    public void AllowedAndSynonymsParsed(string text, string expected)
    {
        Assert.Equal(expected, EnumValue.Parse(text, Allowed));
    }

    [Theory]
    [InlineData("Standard")]
    [InlineData("UNIFIED")]
    [InlineData("TRUE")]
    [InlineData("Yes")]
    [InlineData("y")]
    [InlineData("n")]
    [InlineData("nope")]
    [InlineData("")]
    [InlineData("standard ")]
    [InlineData("replicated")]
    public void OtherValuesRejected(string text)
    {
        var error = Assert.Throws<FormatException>(() => EnumValue.Parse(text, Allowed));

        Assert.Equal("use one of off, on, standard, unified (case-sensitive)", error.Message);
    }

    [Fact]
    public void SynonymRejectedWithoutOnOff()
    {
        var error = Assert.Throws<FormatException>(() => EnumValue.Parse("yes", ["standard", "unified"]));

        Assert.Equal("use one of standard, unified (case-sensitive)", error.Message);
    }

    [Theory]
    [InlineData("true", "on")]
    [InlineData("false", "off")]
    [InlineData("True", "True")]
    [InlineData("standard", "standard")]
    public void NormalizeMapsExactSynonyms(string text, string expected)
    {
        Assert.Equal(expected, EnumValue.Normalize(text));
    }
}
