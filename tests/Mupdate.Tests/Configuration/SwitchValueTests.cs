using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class SwitchValueTests
{
    [Theory]
    [InlineData("0", false)]
    [InlineData("n", false)]
    [InlineData("no", false)]
    [InlineData("nope", false)]
    [InlineData("f", false)]
    [InlineData("false", false)]
    [InlineData("of", false)]
    [InlineData("off", false)]
    [InlineData("1", true)]
    [InlineData("10", true)]
    [InlineData("y", true)]
    [InlineData("yes", true)]
    [InlineData("yesterday", true)]
    [InlineData("t", true)]
    [InlineData("true", true)]
    [InlineData("on", true)]
    [InlineData("onward", true)]
    public void ValidSpellingsParsed(string text, bool expected)
    {
        Assert.Equal(expected, SwitchValue.Parse(text));
        Assert.True(SwitchValue.TryParse(text, out bool value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("Yes")]
    [InlineData("TRUE")]
    [InlineData("On")]
    [InlineData("OFF")]
    [InlineData("No")]
    [InlineData("F")]
    public void UpperCaseRejectedAsCaseSensitive(string text)
    {
        var error = Assert.Throws<FormatException>(() => SwitchValue.Parse(text));

        Assert.Equal("switches are case-sensitive; use yes, no, on, off, true, false, 1 or 0", error.Message);
        Assert.False(SwitchValue.TryParse(text, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("o")]
    [InlineData("2")]
    [InlineData("maybe")]
    [InlineData(" yes")]
    [InlineData("-1")]
    [InlineData("enabled")]
    public void OtherSpellingsRejected(string text)
    {
        var error = Assert.Throws<FormatException>(() => SwitchValue.Parse(text));

        Assert.Equal("use yes, no, on, off, true, false, 1 or 0", error.Message);
        Assert.False(SwitchValue.TryParse(text, out _));
    }
}
