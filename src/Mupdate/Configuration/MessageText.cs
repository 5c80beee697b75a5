using System.Globalization;
using System.Text;

namespace Mupdate.Configuration;

/// <summary>Helpers that make configuration text safe and short enough to quote in error messages.</summary>
internal static class MessageText
{
    private const int MaxQuotedLength = 80;

    /// <summary>
    /// Returns <paramref name="text"/> cut to 80 characters, with control characters written as <c>\xNN</c> or
    /// <c>\uNNNN</c> so that a message stays on one line.
    /// </summary>
    public static string Shorten(string text)
    {
        var result = new StringBuilder();
        foreach (char c in text.Length > MaxQuotedLength ? text[..MaxQuotedLength] : text)
        {
            if (char.IsControl(c) || c == '\uFEFF')
            {
                result.Append(c <= '\xff' ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}");
            }
            else
            {
                result.Append(c);
            }
        }

        if (text.Length > MaxQuotedLength)
        {
            result.Append("...");
        }

        return result.ToString();
    }

    /// <summary>Describes one character for a message: <c>'.'</c>, or a code point for an invisible one.</summary>
    public static string DescribeCharacter(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || c == '\uFEFF'
            ? string.Create(CultureInfo.InvariantCulture, $"the character U+{(int)c:X4}")
            : $"'{c}'";
}
