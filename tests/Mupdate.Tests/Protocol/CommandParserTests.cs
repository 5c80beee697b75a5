using System.Text;
using Mupdate.Protocol;

namespace Mupdate.Tests.Protocol;

public class CommandParserTests
{
    private static readonly ProtocolLimits Limits = new(MaxWord: 64, MaxQuoted: 100, MaxLiteral: 200, MaxCommand: 1000);

    public static TheoryData<string, string, CommandKind, string[]> ValidCommands => new()
    {
        { "A01 NOOP\r\n", "A01", CommandKind.Noop, [] },
        { "a nOoP\r\n", "a", CommandKind.Noop, [] },
        { "x LOGOUT\n", "x", CommandKind.Logout, [] },
        { "F1 FIND \"user.x\"\r\n", "F1", CommandKind.Find, ["user.x"] },
        { "F2 find \"a\\\"b\\\\c\"\r\n", "F2", CommandKind.Find, ["a\"b\\c"] },
        { "F3 FIND {6+}\r\nuser.y\r\n", "F3", CommandKind.Find, ["user.y"] },
        { "F4 FIND {6}\r\nuser.z\r\n", "F4", CommandKind.Find, ["user.z"] },
        { "F5 FIND \"\"\r\n", "F5", CommandKind.Find, [""] },
        { "F6 FIND {0}\r\n\r\n", "F6", CommandKind.Find, [""] },
        { "L1 LIST\r\n", "L1", CommandKind.List, [] },
        { "L2 LIST \"be1!\"\r\n", "L2", CommandKind.List, ["be1!"] },
        { "X1 ACTIVATE \"user.a\" \"be1!p\" \"a\tlrs\t\"\r\n", "X1", CommandKind.Activate, ["user.a", "be1!p", "a\tlrs\t"] },
        {
            "X2 ACTIVATE {13+}\r\nuser.bp000001 {21+}\r\nbackend1.test!default {23+}\r\nbp000001\tlrswipkxtecda\t\r\n",
            "X2", CommandKind.Activate, ["user.bp000001", "backend1.test!default", "bp000001\tlrswipkxtecda\t"]
        },
        { "X3 ACTIVATE {1}\r\na {2}\r\nbc {0}\r\n\r\n", "X3", CommandKind.Activate, ["a", "bc", ""] },
        { "R1 RESERVE \"user.n\" \"be1!p\"\r\n", "R1", CommandKind.Reserve, ["user.n", "be1!p"] },
        { "D1 DEACTIVATE \"user.n\" \"be1!p\"\r\n", "D1", CommandKind.Deactivate, ["user.n", "be1!p"] },
        { "D2 DELETE \"user.n\"\r\n", "D2", CommandKind.Delete, ["user.n"] },
        { "U01 UPDATE\r\n", "U01", CommandKind.Update, [] },
        { "U02 UPDATE \"be1\" \"be2\"\r\n", "U02", CommandKind.Update, ["be1", "be2"] },
        { "A01 AUTHENTICATE \"PLAIN\" {24+}\r\nAG11cGRhdGVyAHNlY3JldA==\r\n", "A01", CommandKind.Authenticate, ["PLAIN", "AG11cGRhdGVyAHNlY3JldA=="] },
        { "A02 AUTHENTICATE PLAIN =\r\n", "A02", CommandKind.Authenticate, ["PLAIN", "="] },
        { "A03 AUTHENTICATE \"SCRAM-SHA-1\"\r\n", "A03", CommandKind.Authenticate, ["SCRAM-SHA-1"] },
        { "F7 FIND \"user.\u00e9t\u00e9\"\r\n", "F7", CommandKind.Find, ["user.\u00e9t\u00e9"] },
        { "*+% FIND \"x\"\r\n", "*+%", CommandKind.Find, ["x"] },
    };

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void ParsesValidCommand(string input, string tag, CommandKind kind, string[] arguments)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var state = new ParserState();

        var result = ParseWithGoAheads(bytes, state, out _);

        Assert.Equal(ParseStatus.Command, result.Status);
        Assert.Equal(bytes.Length, result.Consumed);
        Assert.Equal(tag, result.Command!.Tag);
        Assert.Equal(kind, result.Command.Kind);
        Assert.Equal(arguments, result.Command.Arguments);
    }

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void EveryTruncatedPrefixIsIncomplete(string input, string tag, CommandKind kind, string[] arguments)
    {
        _ = (tag, kind, arguments);
        var bytes = Encoding.UTF8.GetBytes(input);
        for (var length = 0; length < bytes.Length; length++)
        {
            var state = new ParserState();
            var result = ParseWithGoAheads(bytes.AsSpan(0, length).ToArray(), state, out _);

            Assert.True(result.Status == ParseStatus.Incomplete, $"prefix of {length} bytes gave {result.Status}");
            Assert.Equal(0, result.Consumed);
        }
    }

    [Fact]
    public void SynchronizingLiteralNeedsGoAheadFirst()
    {
        var bytes = "F4 FIND {6}\r\nuser.z\r\n"u8.ToArray();
        var state = new ParserState();

        var first = CommandParser.Parse(bytes, state, Limits);
        Assert.Equal(ParseStatus.Continuation, first.Status);
        Assert.Equal(0, first.Consumed);

        state.AcknowledgeLiteral();
        var second = CommandParser.Parse(bytes, state, Limits);
        Assert.Equal(ParseStatus.Command, second.Status);
        Assert.Equal("user.z", second.Command!.Argument(0));
    }

    [Fact]
    public void EachSynchronizingLiteralGetsOneGoAhead()
    {
        var bytes = "X3 ACTIVATE {1}\r\na {2}\r\nbc {0}\r\n\r\n"u8.ToArray();

        ParseWithGoAheads(bytes, new ParserState(), out var goAheads);

        Assert.Equal(3, goAheads);
    }

    [Fact]
    public void NonSynchronizingLiteralNeedsNoGoAhead()
    {
        var bytes = "F3 FIND {6+}\r\nuser.y\r\n"u8.ToArray();

        ParseWithGoAheads(bytes, new ParserState(), out var goAheads);

        Assert.Equal(0, goAheads);
    }

    [Fact]
    public void PipelinedCommandsAreParsedOneAtATime()
    {
        var bytes = "a NOOP\r\nb FIND \"x\"\r\nc NOOP\r\n"u8.ToArray();
        var state = new ParserState();
        var tags = new List<string>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var result = CommandParser.Parse(bytes.AsSpan(offset), state, Limits);
            Assert.Equal(ParseStatus.Command, result.Status);
            tags.Add(result.Command!.Tag);
            offset += result.Consumed;
        }

        Assert.Equal(["a", "b", "c"], tags);
    }

    public static TheoryData<string, string?, string, int> Rejections => new()
    {
        { "\r\nnext", null, WireText.NeedCommand, 2 },
        { "\nnext", null, WireText.NeedCommand, 1 },
        { "TAG\r\n", null, WireText.NeedCommand, 5 },
        { "TAG\tNOOP\r\n", null, WireText.NeedCommand, 10 },
        { "a(b NOOP\r\n", null, WireText.NeedCommand, 10 },
        { "t  NOOP\r\n", "t", WireText.NullCommand, 9 },
        { "t \r\n", "t", WireText.NullCommand, 4 },
        { "c SELECT \"INBOX\"\r\n", "c", WireText.UnrecognizedCommand, 18 },
        { "p8 ACTIVATE\r\n", "p8", WireText.MissingArguments, 13 },
        { "p8 ACTIVATE \"a\" \"b\"\r\n", "p8", WireText.MissingArguments, 21 },
        { "p17 FIND \"user.probe\" extra\r\n", "p17", WireText.ExtraArguments, 29 },
        { "n NOOP x\r\n", "n", WireText.ExtraArguments, 10 },
        { "f FIND \"x\"\rjunk\r\n", "f", WireText.ExtraArguments, 17 },
        { "f FIND x\r\n", "f", WireText.ExpectedString, 10 },
        { "f FIND \r\n", "f", WireText.ExpectedString, 9 },
        { "f FIND \"a\nb\"\r\n", "f", "unterminated quoted string", 10 },
        { "f FIND \"a\0b\"\r\n", "f", "NUL byte in quoted string", 14 },
        { "f FIND {3+}\r\na\0b\r\n", "f", "NUL byte in literal", 18 },
        { "f FIND \"\xff\"\r\n", "f", "string is not valid UTF-8", 12 },
        { "f FIND {3x}\r\nabc\r\n", "f", "invalid literal", 13 },
        { "f FIND {}\r\n", "f", "invalid literal", 11 },
        { "u UPDATE \"\"\r\n", "u", WireText.BadlyFormedArguments, 13 },
        { "u UPDATE be1\r\n", "u", WireText.ExpectedString, 14 },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void RejectsInvalidCommand(string input, string? tag, string text, int consumed)
    {
        var bytes = Encoding.Latin1.GetBytes(input);

        var result = CommandParser.Parse(bytes, new ParserState(), Limits);

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.Equal(tag, result.Tag);
        Assert.Equal(ResponseStatus.Bad, result.Rejection.Status);
        Assert.Equal(text, result.Rejection.Text);
        Assert.Equal(consumed, result.Consumed);
    }

    [Fact]
    public void UpdateTakesThirtyHostsButNotThirtyOne()
    {
        var thirty = "u UPDATE" + string.Concat(Enumerable.Range(1, 30).Select(i => $" \"h{i}\"")) + "\r\n";
        var thirtyOne = "u UPDATE" + string.Concat(Enumerable.Range(1, 31).Select(i => $" \"h{i}\"")) + "\r\n";

        var accepted = CommandParser.Parse(Encoding.ASCII.GetBytes(thirty), new ParserState(), Limits);
        var rejected = CommandParser.Parse(Encoding.ASCII.GetBytes(thirtyOne), new ParserState(), Limits);

        Assert.Equal(ParseStatus.Command, accepted.Status);
        Assert.Equal(30, accepted.Command!.Arguments.Count);
        Assert.Equal(ParseStatus.Rejected, rejected.Status);
        Assert.Equal(WireText.ExtraArguments, rejected.Rejection.Text);
        Assert.Equal(thirtyOne.Length, rejected.Consumed);
    }

    [Fact]
    public void OversizedQuotedStringIsRejectedAndSkipped()
    {
        var input = "f FIND \"" + new string('q', 101) + "\"\r\nn NOOP\r\n";
        var bytes = Encoding.ASCII.GetBytes(input);

        var result = CommandParser.Parse(bytes, new ParserState(), Limits);
        var next = CommandParser.Parse(bytes.AsSpan(result.Consumed), new ParserState(), Limits);

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.StartsWith("quoted string longer than 100 bytes", result.Rejection.Text, StringComparison.Ordinal);
        Assert.Equal(ParseStatus.Command, next.Status);
        Assert.Equal("n", next.Command!.Tag);
    }

    [Fact]
    public void OversizedSynchronizingLiteralGetsBadWithoutGoAhead()
    {
        var bytes = "f FIND {201}\r\nn NOOP\r\n"u8.ToArray();

        var result = CommandParser.Parse(bytes, new ParserState(), Limits);

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.Equal("f", result.Tag);
        Assert.Contains("literal of 201 bytes", result.Rejection.Text, StringComparison.Ordinal);
        Assert.Equal("f FIND {201}\r\n".Length, result.Consumed);
    }

    [Fact]
    public void OversizedNonSynchronizingLiteralIsFatal()
    {
        var bytes = "f FIND {201+}\r\n"u8.ToArray();

        var result = CommandParser.Parse(bytes, new ParserState(), Limits);

        Assert.Equal(ParseStatus.Fatal, result.Status);
        Assert.Equal(ResponseStatus.Bye, result.Rejection.Status);
        Assert.Contains("literal of 201 bytes", result.Rejection.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void LiteralCountBeyondTenDigitsIsInvalid()
    {
        var bytes = "f FIND {99999999999+}\r\n"u8.ToArray();

        var result = CommandParser.Parse(bytes, new ParserState(), Limits);

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.Equal("invalid literal", result.Rejection.Text);
    }

    [Fact]
    public void LiteralPastCommandLimitIsRejected()
    {
        var limits = Limits with { MaxLiteral = 5000 };
        var bytes = "f FIND {1500}\r\n"u8.ToArray();

        var result = CommandParser.Parse(bytes, new ParserState(), limits);

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.Contains("larger than the limit of 1000", result.Rejection.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void EndlessLineIsFatal()
    {
        var bytes = Encoding.ASCII.GetBytes("f FIND \"" + new string('q', 1200));
        var limits = Limits with { MaxQuoted = 5000 };

        var result = CommandParser.Parse(bytes, new ParserState(), limits);

        Assert.Equal(ParseStatus.Fatal, result.Status);
        Assert.Equal("command longer than 1000 bytes", result.Rejection.Text);
    }

    [Fact]
    public void EndlessGarbageIsFatal()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('(', 1001));

        var result = CommandParser.Parse(bytes, new ParserState(), Limits);

        Assert.Equal(ParseStatus.Fatal, result.Status);
    }

    [Fact]
    public void TagLongerThanMaxWordIsRejected()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('t', 65) + " NOOP\r\nn NOOP\r\n");

        var result = CommandParser.Parse(bytes, new ParserState(), Limits);

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.Null(result.Tag);
        Assert.Equal(WireText.TagTooLong, result.Rejection.Text);
        Assert.Equal(65 + 7, result.Consumed);
    }

    [Fact]
    public void GateRejectionSkipsNonSynchronizingLiteral()
    {
        var bytes = "a ACTIVATE {3+}\r\nabc {2+}\r\nde \"f\"\r\nn NOOP\r\n"u8.ToArray();

        var result = CommandParser.Parse(bytes, new ParserState(), Limits, _ => Rejection.No(WireText.PleaseLoginFirst));
        var next = CommandParser.Parse(bytes.AsSpan(result.Consumed), new ParserState(), Limits);

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.Equal(ResponseStatus.No, result.Rejection.Status);
        Assert.Equal(CommandKind.Activate, result.Kind);
        Assert.Equal(ParseStatus.Command, next.Status);
        Assert.Equal("n", next.Command!.Tag);
    }

    [Fact]
    public void GateRejectionSendsNoGoAhead()
    {
        var bytes = "a ACTIVATE {3}\r\n"u8.ToArray();

        var result = CommandParser.Parse(bytes, new ParserState(), Limits, _ => Rejection.No(WireText.PleaseLoginFirst));

        Assert.Equal(ParseStatus.Rejected, result.Status);
        Assert.Equal(bytes.Length, result.Consumed);
    }

    [Fact]
    public void GateSeesCommandKind()
    {
        CommandKind? seen = null;
        var bytes = "x find \"a\"\r\n"u8.ToArray();

        CommandParser.Parse(bytes, new ParserState(), Limits, kind =>
        {
            seen = kind;
            return null;
        });

        Assert.Equal(CommandKind.Find, seen);
    }

    [Fact]
    public void MultiSegmentBufferParsesLikeOneSegment()
    {
        var bytes = "X2 ACTIVATE {13+}\r\nuser.bp000001 \"b!p\" \"acl\"\r\n"u8.ToArray();
        var sequence = Segments.Split(bytes, 3);

        var result = CommandParser.Parse(sequence, new ParserState(), Limits);

        Assert.Equal(ParseStatus.Command, result.Status);
        Assert.Equal(["user.bp000001", "b!p", "acl"], result.Command!.Arguments);
        Assert.Equal(bytes.Length, result.Consumed);
    }

    /// <summary>Parses like a session: every Continuation is acknowledged and the same bytes parsed again.</summary>
    private static ParseResult ParseWithGoAheads(byte[] bytes, ParserState state, out int goAheads)
    {
        goAheads = 0;
        while (true)
        {
            var result = CommandParser.Parse(bytes, state, Limits);
            if (result.Status != ParseStatus.Continuation)
            {
                return result;
            }

            goAheads++;
            state.AcknowledgeLiteral();
        }
    }
}
