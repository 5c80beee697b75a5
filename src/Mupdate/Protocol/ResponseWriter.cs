using System.Buffers;
using System.Text;

namespace Mupdate.Protocol;

/// <summary>
/// Writes server responses. Every string goes out as an ACAP quoted string when its value allows,
/// else as a synchronizing-form literal <c>{n}</c> that the server sends without waiting: every Cyrus
/// client version reads that form, while some reject <c>{n+}</c> from a server.
/// </summary>
public static class ResponseWriter
{
    /// <summary>
    /// ACAP (RFC 2244 section 8) allows at most 1024 octets inside a quoted string, and RFC 3656
    /// section 2.2 allows only 7-bit text without CR and LF there.
    /// </summary>
    public const int MaxQuotedLength = 1024;

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    public static void WriteStatus(IBufferWriter<byte> writer, string? tag, ResponseStatus status, string text)
    {
        WriteTag(writer, tag);
        writer.Write(status switch
        {
            ResponseStatus.Ok => " OK "u8,
            ResponseStatus.No => " NO "u8,
            ResponseStatus.Bad => " BAD "u8,
            _ => " BYE "u8,
        });
        WriteQuoted(writer, SanitizeText(text));
        writer.Write(Crlf);
    }

    public static void WriteContinuation(IBufferWriter<byte> writer)
    {
        writer.Write("+ "u8);
        WriteQuoted(writer, WireText.GoAhead);
        writer.Write(Crlf);
    }

    public static void WriteMailbox(IBufferWriter<byte> writer, string tag, string name, string location, string acl)
    {
        WriteTag(writer, tag);
        writer.Write(" MAILBOX "u8);
        WriteString(writer, name);
        writer.Write(" "u8);
        WriteString(writer, location);
        writer.Write(" "u8);
        WriteString(writer, acl);
        writer.Write(Crlf);
    }

    public static void WriteReserve(IBufferWriter<byte> writer, string tag, string name, string location)
    {
        WriteTag(writer, tag);
        writer.Write(" RESERVE "u8);
        WriteString(writer, name);
        writer.Write(" "u8);
        WriteString(writer, location);
        writer.Write(Crlf);
    }

    public static void WriteDelete(IBufferWriter<byte> writer, string tag, string name)
    {
        WriteTag(writer, tag);
        writer.Write(" DELETE "u8);
        WriteString(writer, name);
        writer.Write(Crlf);
    }

    /// <summary>Writes a line as it is, followed by CRLF; for banner lines built from fixed parts.</summary>
    public static void WriteLine(IBufferWriter<byte> writer, string line)
    {
        WriteUtf8(writer, line);
        writer.Write(Crlf);
    }

    /// <summary>Writes <paramref name="value"/> as a quoted string when it can be one, else as a literal.</summary>
    public static void WriteString(IBufferWriter<byte> writer, string value)
    {
        if (IsQuotable(value))
        {
            WriteQuoted(writer, value);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        writer.Write("{"u8);
        WriteInteger(writer, length);
        writer.Write("}\r\n"u8);
        WriteUtf8(writer, value);
    }

    public static bool IsQuotable(string value)
    {
        if (value.Length > MaxQuotedLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is '\0' or '\r' or '\n' or > '\x7F')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes a quoted string; the caller guarantees <paramref name="value"/> is quotable.</summary>
    public static void WriteQuoted(IBufferWriter<byte> writer, string value)
    {
        var span = writer.GetSpan(value.Length * 2 + 2);
        var n = 0;
        span[n++] = (byte)'"';
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                span[n++] = (byte)'\\';
            }

            span[n++] = (byte)c;
        }

        span[n++] = (byte)'"';
        writer.Advance(n);
    }

    /// <summary>
    /// Makes a status text quotable: texts may carry client input (a mechanism name, say), which is
    /// cut to a bounded length and has every byte outside printable ASCII replaced by '?'.
    /// </summary>
    internal static string SanitizeText(string text)
    {
        const int maxTextLength = 512;
        var clean = true;
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                clean = false;
                break;
            }
        }

        if (clean && text.Length <= maxTextLength)
        {
            return text;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxTextLength));
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, maxTextLength)))
        {
            builder.Append(c is < ' ' or > '~' ? '?' : c);
        }

        return builder.ToString();
    }

    private static void WriteTag(IBufferWriter<byte> writer, string? tag)
    {
        if (tag is null)
        {
            writer.Write("*"u8);
            return;
        }

        WriteUtf8(writer, tag);
    }

    private static void WriteUtf8(IBufferWriter<byte> writer, string value)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = Encoding.UTF8.GetBytes(value, span);
        writer.Advance(written);
    }

    private static void WriteInteger(IBufferWriter<byte> writer, int value)
    {
        var span = writer.GetSpan(11);
        value.TryFormat(span, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        writer.Advance(written);
    }
}
