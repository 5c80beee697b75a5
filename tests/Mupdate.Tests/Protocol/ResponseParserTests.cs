using System.Text;
using Mupdate.Protocol;

namespace Mupdate.Tests.Protocol;

public class ResponseParserTests
{
    [Fact]
    public void ParsesCyrusLiteralPlusMailbox()
    {
        var bytes = "U01 MAILBOX {17+}\r\nuser.slaveplain.b {11+}\r\nbe3!default {6+}\r\nb\tlrs\t\r\nrest"u8.ToArray();

        var consumed = ResponseParser.TryParse(bytes, 4096, out var response);

        Assert.Equal(bytes.Length - 4, consumed);
        Assert.Equal("U01", response!.Tag);
        Assert.Equal("MAILBOX", response.Word);
        Assert.Equal(["user.slaveplain.b", "be3!default", "b\tlrs\t"], response.Arguments);
    }

    [Fact]
    public void ParsesSynchronizingLiteralFromServer()
    {
        var bytes = "f RESERVE {7}\r\nuser.\u00e9 \"be1!p\"\r\n"u8.ToArray();

        ResponseParser.TryParse(bytes, 4096, out var response);

        Assert.Equal(["user.\u00e9", "be1!p"], response!.Arguments);
    }

    [Fact]
    public void ParsesUnquotedAuthLine()
    {
        var bytes = "* AUTH KERBEROS_V4 GSSAPI PLAIN\r\n"u8.ToArray();

        ResponseParser.TryParse(bytes, 4096, out var response);

        Assert.True(response!.IsUntagged);
        Assert.Equal(["KERBEROS_V4", "GSSAPI", "PLAIN"], response.Arguments);
    }

    [Fact]
    public void UnquotedStatusTextIsKeptRaw()
    {
        var bytes = "A01 NO Client canceled authentication\r\n"u8.ToArray();

        ResponseParser.TryParse(bytes, 4096, out var response);

        Assert.Equal("NO", response!.Word);
        Assert.Equal("Client canceled authentication", response.Text);
    }

    [Fact]
    public void QuotedStatusText()
    {
        var bytes = "A01 OK \"Authenticated\"\r\n"u8.ToArray();

        ResponseParser.TryParse(bytes, 4096, out var response);

        Assert.Equal("Authenticated", response!.Text);
    }

    [Fact]
    public void EveryTruncatedPrefixNeedsMore()
    {
        var bytes = "U01 MAILBOX {17+}\r\nuser.slaveplain.b {11+}\r\nbe3!default \"b\tlrs\t\"\r\n"u8.ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            var consumed = ResponseParser.TryParse(bytes.AsSpan(0, length), 4096, out var response);

            Assert.Equal(0, consumed);
            Assert.Null(response);
        }
    }

    [Fact]
    public void OversizedResponseThrows()
    {
        var bytes = Encoding.ASCII.GetBytes("* OK " + new string('x', 200));

        Assert.Throws<InvalidDataException>(() => ResponseParser.TryParse(bytes, 100, out _));
    }
}
