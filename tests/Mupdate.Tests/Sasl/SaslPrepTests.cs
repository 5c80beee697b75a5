using Mupdate.Sasl;

namespace Mupdate.Tests.Sasl;

public class SaslPrepTests
{
    // RFC 4013 section 3, examples 1 to 5.
    [Theory]
    [InlineData("I\u00ADX", "IX")]
    [InlineData("user", "user")]
    [InlineData("USER", "USER")]
    [InlineData("\u00AA", "a")]
    [InlineData("\u2168", "IX")]
    public void Rfc4013ExamplesPrepare(string input, string expected)
    {
        Assert.True(SaslPrep.TryPrepare(input, allowUnassigned: false, out string? prepared, out string? error), error);
        Assert.Equal(expected, prepared);
    }

    // RFC 4013 section 3, examples 6 and 7.
    [Theory]
    [InlineData("\u0007", "control character")]
    [InlineData("\u0627\u0031", "bidirectional rule")]
    public void Rfc4013ExamplesFail(string input, string expected)
    {
        Assert.False(SaslPrep.TryPrepare(input, allowUnassigned: false, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\u00A0b", "a b")]
    [InlineData("a\u3000b", "a b")]
    [InlineData("a\u200Bb", "ab")]
    [InlineData("a\uFEFFb", "ab")]
    [InlineData("\uFB01", "fi")]
    [InlineData("\u0627\u0628", "\u0627\u0628")]
    [InlineData("\u0627\u0031\u0628", "\u0627\u0031\u0628")]
    [InlineData("\U0001F600", "\U0001F600")]
    public void MappingAndNormalization(string input, string expected)
    {
        Assert.Equal(expected, SaslPrep.Prepare(input, allowUnassigned: false));
    }

    [Theory]
    [InlineData("a\u0000b", "control character")]
    [InlineData("a\u007Fb", "control character")]
    [InlineData("a\u0085b", "control character")]
    [InlineData("a\u2028b", "control character")]
    [InlineData("a\uE000b", "private-use character")]
    [InlineData("a\U000F0000b", "private-use character")]
    [InlineData("a\uFDD0b", "non-character")]
    [InlineData("a\uFFFEb", "non-character")]
    [InlineData("a\U0001FFFFb", "non-character")]
    [InlineData("a\uFFFDb", "inappropriate for plain text")]
    [InlineData("a\u2FF0b", "ideographic description")]
    [InlineData("a\u200Eb", "changes display properties")]
    [InlineData("a\u202Eb", "changes display properties")]
    [InlineData("a\U000E0001b", "tagging character")]
    [InlineData("\u0627a\u0628", "bidirectional rule")]
    [InlineData("a\u0627", "bidirectional rule")]
    public void ProhibitedOutputFails(string input, string expected)
    {
        Assert.False(SaslPrep.TryPrepare(input, allowUnassigned: true, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    // Lone surrogates are built in code because attribute arguments cannot carry them.
    [Fact]
    public void LoneSurrogateFails()
    {
        string high = "a" + (char)0xD800 + "b";
        string low = "a" + (char)0xDC00;

        Assert.False(SaslPrep.TryPrepare(high, allowUnassigned: true, out _, out string? highError));
        Assert.False(SaslPrep.TryPrepare(low, allowUnassigned: true, out _, out string? lowError));
        Assert.Contains("surrogate", highError, StringComparison.Ordinal);
        Assert.Contains("surrogate", lowError, StringComparison.Ordinal);
    }

    [Fact]
    public void UnassignedAllowedOnlyInQueries()
    {
        const string Unassigned = "a\u0378b";

        Assert.True(SaslPrep.TryPrepare(Unassigned, allowUnassigned: true, out string? prepared, out _));
        Assert.Equal(Unassigned, prepared);
        Assert.False(SaslPrep.TryPrepare(Unassigned, allowUnassigned: false, out _, out string? error));
        Assert.Contains("unassigned", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PrepareThrowsWithoutInput()
    {
        var error = Assert.Throws<FormatException>(() => SaslPrep.Prepare("secret\u0007", allowUnassigned: true));

        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }
}
