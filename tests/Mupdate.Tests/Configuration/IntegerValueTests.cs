using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class IntegerValueTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("00", 0L)]
    [InlineData("42", 42L)]
    [InlineData("-42", -42L)]
    [InlineData("+42", 42L)]
    [InlineData("010", 8L)]
    [InlineData("0777", 511L)]
    [InlineData("-010", -8L)]
    [InlineData("0x1f", 31L)]
    [InlineData("0X1F", 31L)]
    [InlineData("0xAbC", 2748L)]
    [InlineData("-0x10", -16L)]
    [InlineData("+0x10", 16L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("0x7fffffffffffffff", long.MaxValue)]
    public void ValidSpellingsParsed(string text, long expected)
    {
        Assert.Equal(expected, IntegerValue.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("0x")]
    [InlineData("-0x")]
    public void MissingDigitsRejected(string text)
    {
        var error = Assert.Throws<FormatException>(() => IntegerValue.Parse(text));

        Assert.Equal(
            "not an integer; write a decimal number, 0x followed by hexadecimal digits, or 0 followed by octal digits",
            error.Message);
    }

    [Theory]
    [InlineData("1.5", "'.'")]
    [InlineData("12abc", "'a'")]
    [InlineData(" 1", "the character U+0020")]
    [InlineData("1 ", "the character U+0020")]
    [InlineData("0xg", "'g'")]
    [InlineData("--1", "'-'")]
    [InlineData("1e3", "'e'")]
    [InlineData("1_000", "'_'")]
    [InlineData("0x1f ", "the character U+0020")]
    public void NonDigitRejected(string text, string character)
    {
        var error = Assert.Throws<FormatException>(() => IntegerValue.Parse(text));

        Assert.StartsWith($"{character} is not a digit", error.Message);
    }

    [Theory]
    [InlineData("08")]
    [InlineData("019")]
    [InlineData("-09")]
    public void OctalWithEightOrNineRejected(string text)
    {
        var error = Assert.Throws<FormatException>(() => IntegerValue.Parse(text));

        Assert.Equal(
            "a leading 0 makes the number octal, as in C, so it cannot contain 8 or 9; remove the leading 0",
            error.Message);
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("0x8000000000000000")]
    [InlineData("99999999999999999999999")]
    public void OverflowRejected(string text)
    {
        var error = Assert.Throws<OverflowException>(() => IntegerValue.Parse(text));

        Assert.Equal("the number does not fit in a 64-bit integer", error.Message);
    }
}
