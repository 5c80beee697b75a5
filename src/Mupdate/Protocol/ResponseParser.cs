using System.Text;
using System.Text.Unicode;

namespace Mupdate.Protocol;

/// <summary>One line a server sent: <c>* ...</c>, <c>+ ...</c> or <c>tag WORD args</c>.</summary>
public sealed class ServerResponse
{
    public ServerResponse(string tag, string word, IReadOnlyList<string> arguments, string rawText)
    {
        Tag = tag;
        Word = word;
        Arguments = arguments;
        RawText = rawText;
    }

    /// <summary>The tag, <c>*</c> for untagged lines or <c>+</c> for a continuation request.</summary>
    public string Tag { get; }

    /// <summary>The response word in upper case (OK, NO, BAD, BYE, MAILBOX, RESERVE, DELETE, AUTH, ...).</summary>
    public string Word { get; }

    /// <summary>The strings and atoms after the word, decoded.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Everything after the word as sent (literals excluded), for texts that are not strings.</summary>
    public string RawText { get; }

    public bool IsUntagged => Tag == "*";

    public bool IsStatus => Word is "OK" or "NO" or "BAD" or "BYE";

    /// <summary>A status response's text: its first string, or the raw rest when a server sent bare words.</summary>
    public string Text => Arguments.Count == 1 ? Arguments[0] : RawText;

    public override string ToString() => $"{Tag} {Word} {RawText}";
}

/// <summary>
/// Parses server responses for the client side. Lenient where servers differ: it accepts quoted
/// strings, literals in both forms (<c>{n}</c> and <c>{n+}</c>; a server never waits for a
/// go-ahead), atoms (the RFC's unquoted <c>* AUTH</c> form), and status texts that are not strings
/// (Cyrus sends a few unquoted).
/// </summary>
public static class ResponseParser
{
    /// <summary>
    /// Parses the response at the start of <paramref name="data"/>: returns the bytes it took, 0 when
    /// more data is needed, and throws <see cref="InvalidDataException"/> for input that is not a
    /// response or passes <paramref name="maxSize"/>.
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> data, int maxSize, out ServerResponse? response)
    {
        response = null;
        var lineEnd = data.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return CheckSize(data.Length, maxSize);
        }

        var position = 0;
        var tag = ReadToken(data, ref position, lineEnd);
        var word = ReadToken(data, ref position, lineEnd).ToUpperInvariant();
        if (tag.Length == 0)
        {
            throw new InvalidDataException("server response without a tag");
        }

        var arguments = new List<string>();
        var textStart = position;
        var sawLiteral = false;
        while (true)
        {
            while (position < lineEnd && data[position] == (byte)' ')
            {
                position++;
            }

            if (position >= lineEnd || (data[position] == (byte)'\r' && position + 1 == lineEnd))
            {
                break;
            }

            var start = position;
            var literal = TryLiteral(data, ref position, lineEnd, maxSize);
            if (literal.NeedMore)
            {
                return CheckSize(data.Length, maxSize);
            }

            if (literal.Value is { } value)
            {
                arguments.Add(value);
                sawLiteral = true;
                lineEnd = data[position..].IndexOf((byte)'\n');
                if (lineEnd < 0)
                {
                    return CheckSize(data.Length, maxSize);
                }

                lineEnd += position;
                continue;
            }

            position = start;
            if (data[position] == (byte)'"')
            {
                arguments.Add(ReadQuoted(data, ref position, lineEnd));
            }
            else
            {
                arguments.Add(ReadToken(data, ref position, lineEnd));
            }
        }

        var raw = sawLiteral
            ? string.Join(' ', arguments)
            : Encoding.UTF8.GetString(data[textStart..lineEnd]).TrimEnd('\r', ' ');
        response = new ServerResponse(tag, word, arguments, raw);
        return lineEnd + 1;
    }

    private static int CheckSize(int length, int maxSize) =>
        length > maxSize ? throw new InvalidDataException($"server response longer than {maxSize} bytes") : 0;

    private static string ReadToken(ReadOnlySpan<byte> data, ref int position, int lineEnd)
    {
        var start = position;
        while (position < lineEnd && data[position] is not (byte)' ' and not (byte)'\r')
        {
            position++;
        }

        var token = Encoding.UTF8.GetString(data[start..position]);
        if (position < lineEnd && data[position] == (byte)' ')
        {
            position++;
        }

        return token;
    }

    private static string ReadQuoted(ReadOnlySpan<byte> data, ref int position, int lineEnd)
    {
        var bytes = new List<byte>();
        position++;
        while (true)
        {
            if (position >= lineEnd)
            {
                throw new InvalidDataException("unterminated quoted string in server response");
            }

            var b = data[position++];
            if (b == (byte)'"')
            {
                break;
            }

            if (b == (byte)'\\' && position < lineEnd)
            {
                b = data[position++];
            }

            bytes.Add(b);
        }

        return Decode([.. bytes]);
    }

    private static (bool NeedMore, string? Value) TryLiteral(ReadOnlySpan<byte> data, ref int position, int lineEnd, int maxSize)
    {
        if (data[position] != (byte)'{')
        {
            return (false, null);
        }

        var header = CommandParser.ParseLiteralHeader(data, position);
        if (header.Outcome != CommandParser.ElementOutcome.Value || header.End != lineEnd + 1)
        {
            return (false, null);
        }

        if (header.Size > (ulong)maxSize)
        {
            throw new InvalidDataException($"literal of {header.Size} bytes in server response is larger than {maxSize}");
        }

        var end = header.End + (int)header.Size;
        if (end > data.Length)
        {
            return (true, null);
        }

        position = end;
        return (false, Decode(data[header.End..end]));
    }

    // A master may store names that are not UTF-8 (Cyrus 3.6 stores any bytes), and one such name
    // must not make a whole dump unreadable. Invalid bytes become U+FFFD, which the slave's record
    // checks reject, so only that entry is skipped and named in the log.
    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
