using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class DurationValueTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("90", 90L)]
    [InlineData("90s", 90L)]
    [InlineData("15m", 900L)]
    [InlineData("1h30m", 5400L)]
    [InlineData("2d", 172800L)]
    [InlineData("1d2h3m4s", 93784L)]
    [InlineData("30m1h", 5400L)]
    [InlineData("1h1h", 7200L)]
    [InlineData("1h30", 3630L)]
    [InlineData("-5", -5L)]
    [InlineData("-1h", -3600L)]
    [InlineData("-1h30m", -5400L)]
    [InlineData("007s", 7L)]
    [InlineData("2147483647", 2147483647L)]
    [InlineData("24855d3h14m7s", 2147483647L)]
    public void SecondsByDefault(string text, long expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), DurationValue.Parse(text));
    }

    [Theory]
    [InlineData("30", DurationUnit.Minutes, 1800L)]
    [InlineData("1h30", DurationUnit.Minutes, 5400L)]
    [InlineData("5s", DurationUnit.Minutes, 5L)]
    [InlineData("2", DurationUnit.Hours, 7200L)]
    [InlineData("1", DurationUnit.Days, 86400L)]
    [InlineData("-2", DurationUnit.Minutes, -120L)]
    public void DefaultUnitAppliesToTrailingNumber(string text, DurationUnit unit, long expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), DurationValue.Parse(text, unit));
    }

    [Theory]
    [InlineData("", "no digits")]
    [InlineData("-", "no digits")]
    [InlineData("h", "expected a digit before 'h'")]
    [InlineData("1hm", "expected a digit before 'm'")]
    [InlineData("--1", "expected a digit before '-'")]
    [InlineData("1h-", "expected a digit before '-'")]
    [InlineData(" 1", "spaces are not allowed in a duration")]
    [InlineData("1h 30m", "spaces are not allowed in a duration")]
    [InlineData("1 h", "the character U+0020 is not a unit")]
    [InlineData("1x", "'x' is not a unit")]
    [InlineData("1.5h", "'.' is not a unit")]
    [InlineData("1w", "'w' is not a unit")]
    [InlineData("1H", "units are lower case only; write h instead of H")]
    [InlineData("1M", "units are lower case only; write m instead of M")]
    [InlineData("1D", "units are lower case only; write d instead of D")]
    [InlineData("10S", "units are lower case only; write s instead of S")]
    public void InvalidSpellingsRejected(string text, string expectedStart)
    {
        var error = Assert.Throws<FormatException>(() => DurationValue.Parse(text));

        Assert.StartsWith(expectedStart, error.Message);
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("24856d")]
    [InlineData("-2147483648")]
    [InlineData("99999999999999999999999")]
    [InlineData("2147483647s1s")]
    [InlineData("35791395m")]
    public void OverflowRejected(string text)
    {
        var error = Assert.Throws<OverflowException>(() => DurationValue.Parse(text));

        Assert.Equal("the duration is longer than 2147483647 seconds, the largest that Cyrus can store", error.Message);
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(5L, "5s")]
    [InlineData(60L, "1m")]
    [InlineData(900L, "15m")]
    [InlineData(5400L, "1h30m")]
    [InlineData(90061L, "1d1h1m1s")]
    [InlineData(172800L, "2d")]
    [InlineData(-5L, "-5s")]
    [InlineData(-5400L, "-1h30m")]
    public void FormatWritesParsableText(long seconds, string expected)
    {
        string text = DurationValue.Format(TimeSpan.FromSeconds(seconds));

        Assert.Equal(expected, text);
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationValue.Parse(text));
    }
}
