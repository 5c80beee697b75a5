using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class ByteSizeValueTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("4096", 4096L)]
    [InlineData("+5", 5L)]
    [InlineData("-1", -1L)]
    [InlineData("1B", 1L)]
    [InlineData("10b", 10L)]
    [InlineData("128K", 131072L)]
    [InlineData("128k", 131072L)]
    [InlineData("1KB", 1024L)]
    [InlineData("1kib", 1024L)]
    [InlineData("1KiB", 1024L)]
    [InlineData("1 K", 1024L)]
    [InlineData("1M", 1048576L)]
    [InlineData("1 MiB", 1048576L)]
    [InlineData("1  m", 1048576L)]
    [InlineData("1\tMB", 1048576L)]
    [InlineData("1 ", 1L)]
    [InlineData("2gb", 2147483648L)]
    [InlineData("1GiB", 1073741824L)]
    [InlineData("1GI", 1073741824L)]
    [InlineData("-2K", -2048L)]
    [InlineData("007", 7L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("8589934591G", 8589934591L * 1073741824L)]
    public void ValidSpellingsParsed(string text, long expected)
    {
        Assert.Equal(expected, ByteSizeValue.Parse(text));
    }

    [Theory]
    [InlineData("", "no digits")]
    [InlineData("-", "no digits")]
    [InlineData("K", "no digits")]
    [InlineData(" 1", "no digits")]
    [InlineData("1T", "'T' is not a unit")]
    [InlineData("1 KiBs", "'s' is not a unit")]
    [InlineData("1iB", "'i' is not a unit")]
    [InlineData("1.5M", "'.' is not a unit")]
    [InlineData("1KK", "'K' is not a unit")]
    [InlineData("0x10", "'x' is not a unit")]
    [InlineData("1K B", "the character U+0020 is not a unit")]
    [InlineData("1BB", "'B' is not a unit")]
    public void InvalidSpellingsRejected(string text, string expectedStart)
    {
        var error = Assert.Throws<FormatException>(() => ByteSizeValue.Parse(text));

        Assert.StartsWith(expectedStart, error.Message);
    }

    [Fact]
    public void FormatErrorSuggestsSpellings()
    {
        var error = Assert.Throws<FormatException>(() => ByteSizeValue.Parse("1T"));

        Assert.Equal(
            "'T' is not a unit; write a number with an optional K, M or G, as in 4096, 128K, 1 MiB or 2gb",
            error.Message);
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999999")]
    [InlineData("8589934592G")]
    [InlineData("9007199254740992K")]
    public void OverflowRejected(string text)
    {
        var error = Assert.Throws<OverflowException>(() => ByteSizeValue.Parse(text));

        Assert.Equal("the size does not fit in a 64-bit integer", error.Message);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1000L, "1000")]
    [InlineData(1536L, "1536")]
    [InlineData(3072L, "3K")]
    [InlineData(131072L, "128K")]
    [InlineData(1048576L, "1M")]
    [InlineData(1073741824L, "1G")]
    [InlineData(-2048L, "-2K")]
    public void FormatUsesLargestMultiplier(long bytes, string expected)
    {
        string text = ByteSizeValue.Format(bytes);

        Assert.Equal(expected, text);
        Assert.Equal(bytes, ByteSizeValue.Parse(text));
    }
}
