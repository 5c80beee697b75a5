using System.Text;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>Quoted strings and literals in both directions, checked byte for byte.</summary>
public sealed class StringFormTests
{
    [Fact(Timeout = 10_000)]
    public async Task QuotedNameOf1000Bytes()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var name = "user." + new string('q', 995);

        await connection.SendAsync($"A1 ACTIVATE \"{name}\" \"be1!p\" \"\"\r\nF1 FIND \"{name}\"\r\n");
        var activate = await connection.ReadLineAsync();
        var find = await connection.ReadUntilTaggedStatusAsync("F1");

        Assert.Equal("A1 OK \"done\"", activate);
        Assert.Equal($"F1 MAILBOX \"{name}\" \"be1!p\" \"\"\r\n", find[0].Text);
        Assert.Equal(1000, find[0].Response.Arguments[0].Length);
    }

    [Fact(Timeout = 10_000)]
    public async Task LiteralNameOf3000Bytes()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var name = "user." + new string('l', 2995);

        await connection.SendAsync($"A1 ACTIVATE {{3000+}}\r\n{name} \"be1!p\" \"\"\r\nF1 FIND {{3000+}}\r\n{name}\r\n");
        var activate = await connection.ReadLineAsync();
        var find = await connection.ReadUntilTaggedStatusAsync("F1");

        Assert.Equal("A1 OK \"done\"", activate);
        Assert.Equal($"F1 MAILBOX {{3000}}\r\n{name} \"be1!p\" \"\"\r\n", find[0].Text);
        Assert.Equal(name, server.Store.Find(name)?.Name);
    }

    [Fact(Timeout = 10_000)]
    public async Task AclLiteralOf4096Bytes()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var acl = string.Concat(Enumerable.Range(0, 512).Select(i => $"u{i % 1000:000}\tlr\t"));
        Assert.Equal(4096, acl.Length);

        await connection.SendAsync($"A1 ACTIVATE \"user.acl\" \"be1!p\" {{4096}}\r\n");
        var goAhead = await connection.ReadLineAsync();
        await connection.SendAsync(acl + "\r\nF1 FIND \"user.acl\"\r\n");
        var activate = await connection.ReadLineAsync();
        var find = await connection.ReadUntilTaggedStatusAsync("F1");

        Assert.Equal("+ \"go ahead\"", goAhead);
        Assert.Equal("A1 OK \"done\"", activate);
        Assert.Equal($"F1 MAILBOX \"user.acl\" \"be1!p\" {{4096}}\r\n{acl}\r\n", find[0].Text);
        Assert.Equal(acl, server.Store.Find("user.acl")?.Acl);
    }

    [Fact(Timeout = 10_000)]
    public async Task SyncLiteralWaitsForGoAhead()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 ACTIVATE {6}\r\n");
        var first = await connection.ReadLineAsync();
        var silentAfterFirst = await connection.StaysSilentAsync(TimeSpan.FromMilliseconds(100));
        await connection.SendAsync("user.s {4}\r\n");
        var second = await connection.ReadLineAsync();
        await connection.SendAsync("be!p {0}\r\n");
        var third = await connection.ReadLineAsync();
        await connection.SendAsync("\r\n");
        var done = await connection.ReadLineAsync();

        Assert.Equal("+ \"go ahead\"", first);
        Assert.True(silentAfterFirst, "the server sent more than the go-ahead before the literal's data");
        Assert.Equal("+ \"go ahead\"", second);
        Assert.Equal("+ \"go ahead\"", third);
        Assert.Equal("A1 OK \"done\"", done);
        Assert.Equal(MailboxRecord.Active("user.s", "be!p", ""), server.Store.Find("user.s"));
    }

    [Fact(Timeout = 10_000)]
    public async Task SyncLiteralDataSentEarlyIsAccepted()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        // The data follows the header without waiting: the go-ahead still comes first, then the answer.
        await connection.SendAsync("F1 FIND {4}\r\nuser\r\nN1 NOOP\r\n");

        Assert.Equal("+ \"go ahead\"", await connection.ReadLineAsync());
        Assert.Equal("F1 OK \"Search completed\"", await connection.ReadLineAsync());
        Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task NonSyncLiteralGetsNoGoAhead()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        await server.Store.WriteAsync(WriteRequest.Reserve("user", "be1!p"));

        await connection.SendAsync("F1 FIND {4+}\r\nuser\r\n");

        Assert.Equal("F1 RESERVE \"user\" \"be1!p\"", await connection.ReadLineAsync());
        Assert.Equal("F1 OK \"Search completed\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task EmptyAclAsQuotedOrLiteral()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 ACTIVATE \"m1\" \"h!p\" \"\"\r\nA2 ACTIVATE \"m2\" \"h!p\" {0+}\r\n\r\n");
        var quoted = await connection.ReadLineAsync();
        var literalPlus = await connection.ReadLineAsync();
        await connection.SendAsync("A3 ACTIVATE \"m3\" \"h!p\" {0}\r\n");
        var goAhead = await connection.ReadLineAsync();
        await connection.SendAsync("\r\nL1 LIST\r\n");
        var literal = await connection.ReadLineAsync();
        var list = await connection.ReadUntilTaggedStatusAsync("L1");

        Assert.Equal("A1 OK \"done\"", quoted);
        Assert.Equal("A2 OK \"done\"", literalPlus);
        Assert.Equal("+ \"go ahead\"", goAhead);
        Assert.Equal("A3 OK \"done\"", literal);
        Assert.Equal(
            [
                "L1 MAILBOX \"m1\" \"h!p\" \"\"\r\n",
                "L1 MAILBOX \"m2\" \"h!p\" \"\"\r\n",
                "L1 MAILBOX \"m3\" \"h!p\" \"\"\r\n",
                "L1 OK \"list complete\"\r\n",
            ],
            list.Select(r => r.Text));
    }

    [Fact(Timeout = 10_000)]
    public async Task QuotedSpecialsAreEscapedBothWays()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 ACTIVATE \"user.a\\\"b\\\\c\" \"be1!p\" \"\"\r\nF1 FIND \"user.a\\\"b\\\\c\"\r\n");
        await connection.ReadLineAsync();
        var find = await connection.ReadUntilTaggedStatusAsync("F1");

        Assert.Equal("F1 MAILBOX \"user.a\\\"b\\\\c\" \"be1!p\" \"\"\r\n", find[0].Text);
        Assert.Equal("user.a\"b\\c", server.Store.Find("user.a\"b\\c")?.Name);
    }

    [Fact(Timeout = 10_000)]
    public async Task EightBitNameComesBackAsLiteral()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var name = "user.jörg.müller";
        var length = Encoding.UTF8.GetByteCount(name);

        await connection.SendAsync($"A1 ACTIVATE \"{name}\" \"be1!p\" \"jörg\tlrs\t\"\r\nF1 FIND \"{name}\"\r\nL1 LIST\r\n");
        await connection.ReadLineAsync();
        var find = await connection.ReadUntilTaggedStatusAsync("F1");
        var list = await connection.ReadUntilTaggedStatusAsync("L1");

        Assert.Equal(18, length);
        Assert.Equal($"F1 MAILBOX {{18}}\r\n{name} \"be1!p\" {{10}}\r\njörg\tlrs\t\r\n", find[0].Text);
        Assert.Equal($"L1 MAILBOX {{18}}\r\n{name} \"be1!p\" {{10}}\r\njörg\tlrs\t\r\n", list[0].Text);
    }

    [Fact(Timeout = 10_000)]
    public async Task StreamedLongNamesUseSyncLiterals()
    {
        await using var server = await TestServer.StartAsync();
        await using var stream = await server.LoginRawAsync();
        await using var client = await server.LoginClientAsync();
        var longName = "user." + new string('n', 1100);
        await stream.SendAsync("U1 UPDATE\r\n");
        await stream.ReadUntilTaggedStatusAsync("U1");

        await client.ActivateAsync(longName, "be1!p", "");
        await client.ReserveAsync("user.ä", "be1!p");
        await client.DeleteAsync(longName);
        var activated = await stream.ReadResponseAsync();
        var reserved = await stream.ReadResponseAsync();
        var deleted = await stream.ReadResponseAsync();

        Assert.Equal($"U1 MAILBOX {{1105}}\r\n{longName} \"be1!p\" \"\"\r\n", activated.Text);
        Assert.Equal("U1 RESERVE {7}\r\nuser.ä \"be1!p\"\r\n", reserved.Text);
        Assert.Equal($"U1 DELETE {{1105}}\r\n{longName}\r\n", deleted.Text);
    }

    [Fact(Timeout = 10_000)]
    public async Task ResponsesNeverUseNonSyncLiterals()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var names = new[] { "user.plain", "user.ß", "user." + new string('x', 1020), "user." + new string('y', 1019), "user.\u00ff" };
        foreach (var name in names)
        {
            await connection.SendAsync($"A1 ACTIVATE {{{Encoding.UTF8.GetByteCount(name)}+}}\r\n{name} \"be1!p\" \"\"\r\n");
            Assert.Equal("A1 OK \"done\"", await connection.ReadLineAsync());
        }

        await connection.SendAsync("L1 LIST\r\n");
        var list = await connection.ReadUntilTaggedStatusAsync("L1");
        var texts = list.Select(r => r.Text).ToArray();

        Assert.Equal(names.Length + 1, list.Count);
        Assert.All(texts, text => Assert.DoesNotContain("+}", text, StringComparison.Ordinal));
        Assert.Contains("L1 MAILBOX \"user.plain\" \"be1!p\" \"\"\r\n", texts);
        Assert.Contains($"L1 MAILBOX \"user.{new string('y', 1019)}\" \"be1!p\" \"\"\r\n", texts);
        Assert.Contains($"L1 MAILBOX {{1025}}\r\nuser.{new string('x', 1020)} \"be1!p\" \"\"\r\n", texts);
        Assert.Contains("L1 MAILBOX {7}\r\nuser.ß \"be1!p\" \"\"\r\n", texts);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("\"user.a\u0001b\" \"be1!p\" \"\"", "invalid mailbox name: contains a control character")]
    [InlineData("\"user.a\tb\" \"be1!p\" \"\"", "invalid mailbox name: contains a control character")]
    [InlineData("\"user.a\u007fb\" \"be1!p\" \"\"", "invalid mailbox name: contains a control character")]
    [InlineData("\"user.ab\" \"be1\u001f!p\" \"\"", "invalid location: contains a control character")]
    [InlineData("\"user.ab\" \"be1!p\" \"a\u001blrs\"", "invalid ACL: contains a control character other than TAB")]
    [InlineData("{8+}\r\nuser.a\u001db \"be1!p\" \"\"", "invalid mailbox name: contains a control character")]
    public async Task ControlCharactersAreRejected(string arguments, string reason)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync($"A1 ACTIVATE {arguments}\r\nN1 NOOP\r\n");

        Assert.Equal($"A1 BAD \"{reason}\"", await connection.ReadLineAsync());
        Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
        Assert.Equal(0, server.Store.Revision);
    }

    [Theory(Timeout = 15_000)]
    [InlineData("+")]
    [InlineData("")]
    public async Task LiteralAtLimitIsAccepted(string plus)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var limit = Mupdate.Protocol.ProtocolLimits.Default.MaxLiteral;
        var acl = string.Concat(Enumerable.Repeat("user\tlr\t", limit / 8));
        Assert.Equal(limit, acl.Length);

        await connection.SendAsync($"A1 ACTIVATE \"user.big\" \"be1!p\" {{{limit}{plus}}}\r\n");
        if (plus.Length == 0)
        {
            Assert.Equal("+ \"go ahead\"", await connection.ReadLineAsync());
        }

        await connection.SendAsync(acl + "\r\nF1 FIND \"user.big\"\r\n");
        var activate = await connection.ReadLineAsync();
        var find = await connection.ReadUntilTaggedStatusAsync("F1");

        Assert.Equal("A1 OK \"done\"", activate);
        Assert.Equal($"F1 MAILBOX \"user.big\" \"be1!p\" {{{limit}}}\r\n{acl}\r\n", find[0].Text);
    }

    [Fact(Timeout = 10_000)]
    public async Task EmptyNameIsRejectedAndFindsNothing()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 ACTIVATE \"\" \"be1!p\" \"\"\r\nR1 RESERVE {0+}\r\n \"be1!p\"\r\nF1 FIND \"\"\r\nL1 LIST \"\"\r\n");

        Assert.Equal("A1 BAD \"invalid mailbox name: empty\"", await connection.ReadLineAsync());
        Assert.Equal("R1 BAD \"invalid mailbox name: empty\"", await connection.ReadLineAsync());
        Assert.Equal("F1 OK \"Search completed\"", await connection.ReadLineAsync());
        Assert.Equal("L1 OK \"list complete\"", await connection.ReadLineAsync());
        Assert.Equal(0, server.Store.Revision);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("R1 RESERVE \"user.a", "R1 BAD \"unterminated quoted string\"")]
    [InlineData("R1 RESERVE {9+}\r\nuser.a\0bc \"be1!p\"", "R1 BAD \"NUL byte in literal\"")]
    [InlineData("R1 RESERVE \"user.a\" \"be\u0002!p\"", "R1 BAD \"invalid location: contains a control character\"")]
    [InlineData("R1 DELETE \"us\u0003er\"", "R1 BAD \"invalid mailbox name: contains a control character\"")]
    public async Task BadStringsInOtherCommands(string command, string answer)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync(command + "\r\nN1 NOOP\r\n");

        Assert.Equal(answer, await connection.ReadLineAsync());
        Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
    }
}
