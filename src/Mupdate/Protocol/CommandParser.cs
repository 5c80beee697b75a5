using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Mupdate.Protocol;

/// <summary>
/// Parses client commands (RFC 3656 section 5 with the ACAP string forms of RFC 2244) from buffered
/// bytes. A pure function: it never reads a socket, and for incomplete input it consumes nothing,
/// so the caller parses the same bytes again once more have arrived.
/// </summary>
/// <remarks>
/// Accepted beyond the RFC, as Cyrus 3.x accepts it: a bare LF as line end, any byte after a
/// backslash in a quoted string, 8-bit bytes in strings (which must then be valid UTF-8), and
/// <c>{n+}</c> literals. Every element is capped before memory is taken for it.
/// </remarks>
public static class CommandParser
{
    private const byte Space = (byte)' ';
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Quote = (byte)'"';
    private const byte Backslash = (byte)'\\';

    /// <summary>
    /// Parses the command at the start of <paramref name="buffer"/>. <paramref name="gate"/> decides,
    /// once the command word is known, whether the session may run it; a rejected command is skipped
    /// without sending a go-ahead for its literals.
    /// </summary>
    public static ParseResult Parse(
        ReadOnlySequence<byte> buffer,
        ParserState state,
        ProtocolLimits limits,
        Func<CommandKind, Rejection?>? gate = null)
    {
        if (buffer.IsSingleSegment)
        {
            return Parse(buffer.FirstSpan, state, limits, gate);
        }

        // A command spread over several segments is copied once; its size is capped by MaxCommand
        // plus the longest line end, so the copy is bounded too.
        var length = (int)Math.Min(buffer.Length, (long)limits.MaxCommand + 2);
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer.Slice(0, length).CopyTo(copy);
            var result = Parse(copy.AsSpan(0, length), state, limits, gate);
            if (result.Status == ParseStatus.Incomplete && buffer.Length > length)
            {
                return ParseResult.Fail(CommandTooLong(limits));
            }

            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    public static ParseResult Parse(
        ReadOnlySpan<byte> data,
        ParserState state,
        ProtocolLimits limits,
        Func<CommandKind, Rejection?>? gate = null)
    {
        var result = ParseCommand(data, state, limits, gate);
        if (result.Status == ParseStatus.Incomplete && data.Length > limits.MaxCommand)
        {
            return ParseResult.Fail(CommandTooLong(limits));
        }

        return result;
    }

    private static ParseResult ParseCommand(
        ReadOnlySpan<byte> data,
        ParserState state,
        ProtocolLimits limits,
        Func<CommandKind, Rejection?>? gate)
    {
        var tagEnd = ScanAtom(data, 0);
        if (tagEnd == data.Length)
        {
            return tagEnd > limits.MaxWord ? RejectLine(data, tagEnd, null, null, WireText.TagTooLong, limits) : ParseResult.Incomplete;
        }

        if (tagEnd == 0 || data[tagEnd] != Space)
        {
            return RejectLine(data, tagEnd, null, null, WireText.NeedCommand, limits);
        }

        if (tagEnd > limits.MaxWord)
        {
            return RejectLine(data, tagEnd, null, null, WireText.TagTooLong, limits);
        }

        var tag = Encoding.ASCII.GetString(data[..tagEnd]);
        var wordStart = tagEnd + 1;
        var wordEnd = ScanAtom(data, wordStart);
        if (wordEnd == data.Length)
        {
            return wordEnd - wordStart > limits.MaxWord
                ? RejectLine(data, wordEnd, tag, null, WireText.UnrecognizedCommand, limits)
                : ParseResult.Incomplete;
        }

        if (wordEnd == wordStart)
        {
            return RejectLine(data, wordStart, tag, null, WireText.NullCommand, limits);
        }

        if (!CommandGrammar.TryGetKind(data[wordStart..wordEnd], out var kind))
        {
            return RejectLine(data, wordEnd, tag, null, WireText.UnrecognizedCommand, limits);
        }

        if (gate?.Invoke(kind) is { } refusal)
        {
            return RejectLine(data, wordEnd, tag, kind, refusal, limits);
        }

        return ParseArguments(data, wordEnd, tag, kind, state, limits);
    }

    private static ParseResult ParseArguments(
        ReadOnlySpan<byte> data,
        int position,
        string tag,
        CommandKind kind,
        ParserState state,
        ProtocolLimits limits)
    {
        var arguments = new List<string>(CommandGrammar.MaxArguments(kind));
        var syncLiterals = 0;
        while (true)
        {
            if (position > limits.MaxCommand)
            {
                return ParseResult.Fail(CommandTooLong(limits));
            }

            if (position == data.Length)
            {
                return ParseResult.Incomplete;
            }

            var lineEnd = MatchLineEnd(data, position);
            if (lineEnd == NeedMore)
            {
                return ParseResult.Incomplete;
            }

            if (lineEnd > 0)
            {
                if (arguments.Count < CommandGrammar.MinArguments(kind))
                {
                    return ParseResult.Reject(tag, kind, Rejection.Bad(WireText.MissingArguments), lineEnd);
                }

                return ParseResult.Complete(new Command(tag, kind, arguments), lineEnd);
            }

            if (data[position] != Space)
            {
                return RejectLine(data, position, tag, kind, Rejection.Bad(WireText.ExtraArguments), limits);
            }

            position++;
            if (arguments.Count == CommandGrammar.MaxArguments(kind))
            {
                return RejectLine(data, position, tag, kind, Rejection.Bad(WireText.ExtraArguments), limits);
            }

            var element = ParseString(data, position, kind, arguments.Count, syncLiterals, state, limits);
            switch (element.Outcome)
            {
                case ElementOutcome.Incomplete:
                    return element.Next > 0 ? ParseResult.IncompleteUntil(element.Next) : ParseResult.Incomplete;
                case ElementOutcome.Continuation:
                    return ParseResult.Continuation;
                case ElementOutcome.Fatal:
                    return ParseResult.Fail(element.Error!);
                case ElementOutcome.Rejected:
                    return element.LineEnded
                        ? ParseResult.Reject(tag, kind, Rejection.Bad(element.Error!), element.Next)
                        : RejectLine(data, element.Next, tag, kind, Rejection.Bad(element.Error!), limits);
            }

            if (element.SyncLiteral)
            {
                syncLiterals++;
            }

            if (element.Value.Length == 0 && !CommandGrammar.AllowsEmpty(kind))
            {
                return RejectLine(data, element.Next, tag, kind, Rejection.Bad(WireText.BadlyFormedArguments), limits);
            }

            arguments.Add(element.Value);
            position = element.Next;
        }
    }

    private static Element ParseString(
        ReadOnlySpan<byte> data,
        int position,
        CommandKind kind,
        int argumentIndex,
        int syncLiterals,
        ParserState state,
        ProtocolLimits limits)
    {
        if (position == data.Length)
        {
            return Element.Incomplete;
        }

        var first = data[position];
        if (first == Quote)
        {
            return ParseQuoted(data, position, limits);
        }

        if (first == (byte)'{')
        {
            return ParseLiteral(data, position, syncLiterals, state, limits);
        }

        if (IsAtomChar(first) && CommandGrammar.AllowsAtom(kind, argumentIndex))
        {
            var end = ScanAtom(data, position);
            if (end - position > limits.MaxWord)
            {
                return Element.Reject(end, "atom too long");
            }

            if (end == data.Length)
            {
                return Element.Incomplete;
            }

            return Element.Of(Encoding.ASCII.GetString(data[position..end]), end);
        }

        return Element.Reject(position, WireText.ExpectedString);
    }

    private static Element ParseQuoted(ReadOnlySpan<byte> data, int position, ProtocolLimits limits)
    {
        var i = position + 1;
        var escapes = 0;
        while (true)
        {
            if (i - position - 1 - escapes > limits.MaxQuoted)
            {
                return Element.Reject(i, $"quoted string longer than {limits.MaxQuoted} bytes; send it as a literal");
            }

            if (i >= data.Length)
            {
                return Element.Incomplete;
            }

            var b = data[i];
            if (b == Quote)
            {
                break;
            }

            if (b is Cr or Lf)
            {
                return Element.Reject(i, "unterminated quoted string");
            }

            if (b == 0)
            {
                return Element.Reject(i, "NUL byte in quoted string");
            }

            if (b == Backslash)
            {
                if (i + 1 >= data.Length)
                {
                    return Element.Incomplete;
                }

                if (data[i + 1] is Cr or Lf or 0)
                {
                    return Element.Reject(i + 1, "invalid escape in quoted string");
                }

                escapes++;
                i++;
            }

            i++;
        }

        var raw = data[(position + 1)..i];
        var next = i + 1;
        if (escapes == 0)
        {
            return Decode(raw, next);
        }

        var unescaped = new byte[raw.Length - escapes];
        var n = 0;
        for (var j = 0; j < raw.Length; j++)
        {
            if (raw[j] == Backslash)
            {
                j++;
            }

            unescaped[n++] = raw[j];
        }

        return Decode(unescaped, next);
    }

    private static Element ParseLiteral(
        ReadOnlySpan<byte> data,
        int position,
        int syncLiterals,
        ParserState state,
        ProtocolLimits limits)
    {
        var header = ParseLiteralHeader(data, position);
        if (header.Outcome != ElementOutcome.Value)
        {
            return header.Outcome == ElementOutcome.Incomplete ? Element.Incomplete : Element.Reject(header.End, "invalid literal");
        }

        var size = header.Size;
        var dataStart = header.End;
        if (size > (ulong)limits.MaxLiteral || (ulong)dataStart + size > (ulong)limits.MaxCommand)
        {
            var text = $"literal of {size} bytes is larger than the limit of {Math.Min(limits.MaxLiteral, limits.MaxCommand)}";
            // The client of a {n} literal waits for the go-ahead it never gets, so the command ends
            // with the header line. The bytes of an oversized {n+} literal are already on their way
            // and cannot be framed without reading them all, so that connection is closed.
            return header.NonSynchronizing ? Element.Fail(text) : Element.RejectAtLineEnd(dataStart, text);
        }

        if (!header.NonSynchronizing)
        {
            if (syncLiterals >= state.AcknowledgedLiterals)
            {
                return Element.Continuation;
            }
        }

        if ((ulong)(data.Length - dataStart) < size)
        {
            // Nothing can change until the literal's last byte and the line end after it are here.
            return Element.IncompleteUntil(dataStart + (int)size + 1);
        }

        var end = dataStart + (int)size;
        var value = data[dataStart..end];
        if (value.Contains((byte)0))
        {
            return Element.Reject(end, "NUL byte in literal");
        }

        var decoded = Decode(value, end);
        return decoded.Outcome == ElementOutcome.Value && !header.NonSynchronizing ? decoded.AsSyncLiteral() : decoded;
    }

    /// <summary>Parses <c>{digits[+]}</c> CRLF (or LF) at <paramref name="position"/>.</summary>
    internal static LiteralHeader ParseLiteralHeader(ReadOnlySpan<byte> data, int position)
    {
        var i = position + 1;
        ulong size = 0;
        var digits = 0;
        while (i < data.Length && data[i] is >= (byte)'0' and <= (byte)'9')
        {
            // Ten digits cover the largest 32-bit count; more is invalid rather than a big number.
            if (++digits > 10)
            {
                return LiteralHeader.Invalid(i);
            }

            size = size * 10 + (ulong)(data[i] - '0');
            i++;
        }

        if (i == data.Length)
        {
            return LiteralHeader.Incomplete;
        }

        if (digits == 0)
        {
            return LiteralHeader.Invalid(i);
        }

        var nonSynchronizing = false;
        if (data[i] == (byte)'+')
        {
            nonSynchronizing = true;
            i++;
            if (i == data.Length)
            {
                return LiteralHeader.Incomplete;
            }
        }

        if (data[i] != (byte)'}')
        {
            return LiteralHeader.Invalid(i);
        }

        i++;
        var lineEnd = MatchLineEnd(data, i);
        if (lineEnd == NeedMore || i == data.Length)
        {
            return LiteralHeader.Incomplete;
        }

        if (lineEnd == 0)
        {
            return LiteralHeader.Invalid(i);
        }

        return new LiteralHeader(ElementOutcome.Value, size, nonSynchronizing, lineEnd);
    }

    private static Element Decode(ReadOnlySpan<byte> bytes, int next)
    {
        if (!Utf8.IsValid(bytes))
        {
            return Element.Reject(next, "string is not valid UTF-8");
        }

        return Element.Of(Encoding.UTF8.GetString(bytes), next);
    }

    /// <summary>
    /// Rejects the command and consumes the rest of its line, skipping the data of any <c>{n+}</c>
    /// literal the line announces, so the next command starts on a line boundary.
    /// </summary>
    private static ParseResult RejectLine(
        ReadOnlySpan<byte> data,
        int from,
        string? tag,
        CommandKind? kind,
        string text,
        ProtocolLimits limits) => RejectLine(data, from, tag, kind, Rejection.Bad(text), limits);

    private static ParseResult RejectLine(
        ReadOnlySpan<byte> data,
        int from,
        string? tag,
        CommandKind? kind,
        Rejection rejection,
        ProtocolLimits limits)
    {
        var end = SkipLine(data, from, limits);
        return end switch
        {
            NeedMore => ParseResult.Incomplete,
            TooLong => ParseResult.Fail(CommandTooLong(limits)),
            _ => ParseResult.Reject(tag, kind, rejection, end),
        };
    }

    internal static int SkipLine(ReadOnlySpan<byte> data, int from, ProtocolLimits limits)
    {
        var position = Math.Min(from, data.Length);
        while (true)
        {
            var offset = data[position..].IndexOf(Lf);
            if (offset < 0)
            {
                return data.Length > limits.MaxCommand ? TooLong : NeedMore;
            }

            var lf = position + offset;
            var literal = TrailingNonSyncLiteral(data[..lf]);
            if (literal < 0)
            {
                return lf + 1;
            }

            if (literal > limits.MaxLiteral)
            {
                return TooLong;
            }

            position = lf + 1 + (int)literal;
            if (position > data.Length)
            {
                return NeedMore;
            }
        }
    }

    /// <summary>The size of a <c>{n+}</c> that ends the line, or -1 when the line ends otherwise.</summary>
    private static long TrailingNonSyncLiteral(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == Cr)
        {
            line = line[..^1];
        }

        if (line.Length < 4 || line[^1] != (byte)'}' || line[^2] != (byte)'+')
        {
            return -1;
        }

        var open = line.LastIndexOf((byte)'{');
        var digits = open < 0 ? default : line[(open + 1)..^2];
        if (digits.Length is 0 or > 10 || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return -1;
        }

        long size = 0;
        foreach (var d in digits)
        {
            size = size * 10 + (d - '0');
        }

        return size;
    }

    private const int NeedMore = -1;
    private const int TooLong = -2;

    /// <summary>
    /// Returns the index after a line end at <paramref name="position"/>, 0 when none starts there,
    /// or <see cref="NeedMore"/> when a CR is the last byte.
    /// </summary>
    private static int MatchLineEnd(ReadOnlySpan<byte> data, int position)
    {
        if (position >= data.Length)
        {
            return 0;
        }

        if (data[position] == Lf)
        {
            return position + 1;
        }

        if (data[position] != Cr)
        {
            return 0;
        }

        if (position + 1 == data.Length)
        {
            return NeedMore;
        }

        return data[position + 1] == Lf ? position + 2 : 0;
    }

    private static int ScanAtom(ReadOnlySpan<byte> data, int position)
    {
        var i = position;
        while (i < data.Length && IsAtomChar(data[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>ACAP ATOM-CHAR (RFC 2244 section 8): any 7-bit character but CTL, SP, ( ) { " and \.</summary>
    internal static bool IsAtomChar(byte b) =>
        b is > 0x20 and < 0x7F and not (byte)'(' and not (byte)')' and not (byte)'{' and not Quote and not Backslash;

    private static string CommandTooLong(ProtocolLimits limits) => $"command longer than {limits.MaxCommand} bytes";

    internal enum ElementOutcome
    {
        Value,
        Incomplete,
        Continuation,
        Rejected,
        Fatal,
    }

    internal readonly record struct LiteralHeader(ElementOutcome Outcome, ulong Size, bool NonSynchronizing, int End)
    {
        public static LiteralHeader Incomplete => new(ElementOutcome.Incomplete, 0, false, 0);

        public static LiteralHeader Invalid(int at) => new(ElementOutcome.Rejected, 0, false, at);
    }

    private readonly record struct Element(
        ElementOutcome Outcome,
        string Value,
        int Next,
        string? Error,
        bool LineEnded,
        bool SyncLiteral)
    {
        public static Element Incomplete => new(ElementOutcome.Incomplete, "", 0, null, false, false);

        public static Element IncompleteUntil(int length) => new(ElementOutcome.Incomplete, "", length, null, false, false);

        public static Element Continuation => new(ElementOutcome.Continuation, "", 0, null, false, false);

        public static Element Of(string value, int next) => new(ElementOutcome.Value, value, next, null, false, false);

        public static Element Reject(int next, string error) => new(ElementOutcome.Rejected, "", next, error, false, false);

        public static Element RejectAtLineEnd(int next, string error) => new(ElementOutcome.Rejected, "", next, error, true, false);

        public static Element Fail(string error) => new(ElementOutcome.Fatal, "", 0, error, false, false);

        public Element AsSyncLiteral() => this with { SyncLiteral = true };
    }
}
