using System.Text;

namespace Mupdate.Server;

/// <summary>
/// Makes client-supplied text safe for a log line: control characters (a client could send ESC
/// sequences or a CR that forges a new line) become '?', and long values are cut, because a
/// mechanism name or a tag may be a literal of up to 128 KiB.
/// </summary>
internal static class LogText
{
    public const int MaxLength = 200;

    public static string Clean(string? text)
    {
        if (text is null)
        {
            return "-";
        }

        var clean = text.Length <= MaxLength;
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        var length = Math.Min(text.Length, MaxLength);
        var builder = new StringBuilder(length + 24);
        foreach (var c in text.AsSpan(0, length))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        if (text.Length > MaxLength)
        {
            builder.Append("... (").Append(text.Length).Append(" characters)");
        }

        return builder.ToString();
    }
}
