using System.Buffers;
using System.Text;
using Mupdate.Protocol;

namespace Mupdate.Tests.Protocol;

public class ResponseWriterTests
{
    [Fact]
    public void StatusTextIsQuoted()
    {
        var text = Write(w => ResponseWriter.WriteStatus(w, "A1", ResponseStatus.Ok, "done"));

        Assert.Equal("A1 OK \"done\"\r\n", text);
    }

    [Fact]
    public void UntaggedStatusUsesStar()
    {
        var text = Write(w => ResponseWriter.WriteStatus(w, null, ResponseStatus.Bad, WireText.NeedCommand));

        Assert.Equal("* BAD \"Need command\"\r\n", text);
    }

    [Fact]
    public void StatusTextIsSanitized()
    {
        var text = Write(w => ResponseWriter.WriteStatus(w, "t", ResponseStatus.No, "bad \"mech\"\r\nX"));

        Assert.Equal("t NO \"bad \\\"mech\\\"??X\"\r\n", text);
    }

    [Fact]
    public void MailboxWithTabsIsQuoted()
    {
        var text = Write(w => ResponseWriter.WriteMailbox(w, "U01", "user.a", "be1!p", "a\tlrs\t"));

        Assert.Equal("U01 MAILBOX \"user.a\" \"be1!p\" \"a\tlrs\t\"\r\n", text);
    }

    [Fact]
    public void EightBitValueGoesAsLiteral()
    {
        var text = Write(w => ResponseWriter.WriteReserve(w, "f", "user.\u00e9", "be1!p"));

        Assert.Equal("f RESERVE {7}\r\nuser.\u00e9 \"be1!p\"\r\n", text);
    }

    [Fact]
    public void LongValueGoesAsLiteral()
    {
        var name = new string('n', ResponseWriter.MaxQuotedLength + 1);

        var text = Write(w => ResponseWriter.WriteDelete(w, "u", name));

        Assert.Equal($"u DELETE {{1025}}\r\n{name}\r\n", text);
    }

    [Fact]
    public void QuotesAndBackslashesAreEscaped()
    {
        var text = Write(w => ResponseWriter.WriteString(w, "a\"b\\c"));

        Assert.Equal("\"a\\\"b\\\\c\"", text);
    }

    [Fact]
    public void ContinuationIsGoAhead()
    {
        Assert.Equal("+ \"go ahead\"\r\n", Write(ResponseWriter.WriteContinuation));
    }

    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
