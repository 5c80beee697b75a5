using System.Buffers;
using System.Text;
using Mupdate.Protocol;
using Mupdate.Server;

namespace Mupdate.Tests.Server;

public class IncompleteCommandTests
{
    private static readonly ProtocolLimits Limits = ProtocolLimits.Default;

    [Fact]
    public void QuotedStringWaitsForLineEnd()
    {
        var incomplete = new IncompleteCommand();
        var first = Bytes("A AUTHENTICATE \"" + new string('y', 1000));
        incomplete.Record(CommandParser.Parse(first, new ParserState(), Limits), first.Length);

        Assert.False(incomplete.ShouldParse(Sequence(first, "yyyy"), Limits.MaxCommand));
        Assert.True(incomplete.ShouldParse(Sequence(first, "yy\"\r\n"), Limits.MaxCommand));
    }

    [Fact]
    public void LiteralWaitsForItsLastByte()
    {
        var incomplete = new IncompleteCommand();
        var header = Bytes("A FIND {10+}\r\nabc");
        var outcome = CommandParser.Parse(header, new ParserState(), Limits);
        incomplete.Record(outcome, header.Length);

        Assert.Equal(ParseStatus.Incomplete, outcome.Status);
        Assert.Equal("A FIND {10+}\r\n".Length + 10 + 1, outcome.ResumeLength);
        Assert.False(incomplete.ShouldParse(Sequence(header, "\n\n\n\n"), Limits.MaxCommand));
        Assert.True(incomplete.ShouldParse(Sequence(header, "defghij\r"), Limits.MaxCommand));
    }

    [Fact]
    public void CommandPastLimitIsParsed()
    {
        var incomplete = new IncompleteCommand();
        var limits = Limits with { MaxCommand = 100 };
        var first = Bytes("A FIND \"" + new string('q', 60));
        incomplete.Record(CommandParser.Parse(first, new ParserState(), limits), first.Length);

        Assert.True(incomplete.ShouldParse(Sequence(first, new string('q', 60)), limits.MaxCommand));
    }

    [Fact]
    public void CompleteCommandResets()
    {
        var incomplete = new IncompleteCommand();
        var partial = Bytes("A NOOP");
        incomplete.Record(CommandParser.Parse(partial, new ParserState(), Limits), partial.Length);
        var whole = Bytes("A NOOP\r\n");
        incomplete.Record(CommandParser.Parse(whole, new ParserState(), Limits), whole.Length);

        Assert.True(incomplete.ShouldParse(new ReadOnlySequence<byte>(Bytes("B")), Limits.MaxCommand));
    }

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    private static ReadOnlySequence<byte> Sequence(byte[] first, string more) =>
        new([.. first, .. Bytes(more)]);
}
