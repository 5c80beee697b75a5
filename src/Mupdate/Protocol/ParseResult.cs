namespace Mupdate.Protocol;

/// <summary>What <see cref="CommandParser.Parse"/> found at the start of the buffer.</summary>
public enum ParseStatus
{
    /// <summary>
    /// The buffer ends inside a command: read more and parse again. Nothing was consumed, and
    /// <see cref="ParseResult.ResumeLength"/> says when parsing again can give another result.
    /// </summary>
    Incomplete,

    /// <summary>
    /// A synchronizing literal (<c>{n}</c>) needs its go-ahead: send <c>+ go ahead</c>, call
    /// <see cref="ParserState.AcknowledgeLiteral"/> and parse the same buffer again.
    /// </summary>
    Continuation,

    /// <summary>A complete command; <see cref="ParseResult.Command"/> is set.</summary>
    Command,

    /// <summary>
    /// The command was consumed up to the end of its line and must be answered with
    /// <see cref="ParseResult.Rejection"/>; the connection goes on.
    /// </summary>
    Rejected,

    /// <summary>The input cannot be framed any more (a limit was passed): send BYE and close.</summary>
    Fatal,
}

/// <summary>
/// One parse step's outcome. <see cref="Consumed"/> counts the bytes taken from the start of the buffer
/// (zero for <see cref="ParseStatus.Incomplete"/> and <see cref="ParseStatus.Continuation"/>).
/// </summary>
public readonly struct ParseResult
{
    private ParseResult(ParseStatus status, int consumed, Command? command, string? tag, CommandKind? kind, Rejection rejection)
    {
        Status = status;
        Consumed = consumed;
        Command = command;
        Tag = tag;
        Kind = kind;
        Rejection = rejection;
    }

    public ParseStatus Status { get; }

    public int Consumed { get; }

    public Command? Command { get; }

    /// <summary>The tag a rejection is sent with; null for an untagged <c>* BAD</c>.</summary>
    public string? Tag { get; }

    /// <summary>The command word, when it was recognized before the rejection.</summary>
    public CommandKind? Kind { get; }

    public Rejection Rejection { get; }

    /// <summary>
    /// For <see cref="ParseStatus.Incomplete"/>: the buffer length below which parsing again cannot
    /// give another result (the parser waits inside a literal), or 0 when only a new line end (LF)
    /// can change the result. A caller that parses again only then does work in proportion to the
    /// input, where parsing after every read would rescan the whole command each time.
    /// </summary>
    public int ResumeLength { get; private init; }

    internal static ParseResult Incomplete { get; } = new(ParseStatus.Incomplete, 0, null, null, null, default);

    internal static ParseResult IncompleteUntil(int length) =>
        new(ParseStatus.Incomplete, 0, null, null, null, default) { ResumeLength = length };

    internal static ParseResult Continuation { get; } = new(ParseStatus.Continuation, 0, null, null, null, default);

    internal static ParseResult Complete(Command command, int consumed) =>
        new(ParseStatus.Command, consumed, command, command.Tag, command.Kind, default);

    internal static ParseResult Reject(string? tag, CommandKind? kind, Rejection rejection, int consumed) =>
        new(ParseStatus.Rejected, consumed, null, tag, kind, rejection);

    internal static ParseResult Fail(string text) =>
        new(ParseStatus.Fatal, 0, null, null, null, new Rejection(ResponseStatus.Bye, text));
}

/// <summary>
/// Parser state carried between parse calls for one command: how many synchronizing literals of the
/// command at the head of the buffer have had their go-ahead.
/// </summary>
public sealed class ParserState
{
    public int AcknowledgedLiterals { get; private set; }

    public void AcknowledgeLiteral() => AcknowledgedLiterals++;

    /// <summary>Forgets the literal count; called after each complete or rejected command.</summary>
    public void Reset() => AcknowledgedLiterals = 0;
}
