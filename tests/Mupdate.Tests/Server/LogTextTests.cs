using Mupdate.Server;

namespace Mupdate.Tests.Server;

public class LogTextTests
{
    [Fact]
    public void PlainTextIsKept()
    {
        Assert.Equal("user.x Sent", LogText.Clean("user.x Sent"));
    }

    [Fact]
    public void ControlCharactersBecomeQuestionMarks()
    {
        Assert.Equal("X?[2J?]0;pwned??FAKE LINE", LogText.Clean("X\u001b[2J\u001b]0;pwned\u0007\rFAKE LINE"));
    }

    [Fact]
    public void LongTextIsCut()
    {
        var cleaned = LogText.Clean(new string('m', 5000));

        Assert.StartsWith(new string('m', LogText.MaxLength) + "... (5000 characters)", cleaned, StringComparison.Ordinal);
        Assert.Equal(LogText.MaxLength + "... (5000 characters)".Length, cleaned.Length);
    }

    [Fact]
    public void NullBecomesDash()
    {
        Assert.Equal("-", LogText.Clean(null));
    }
}
