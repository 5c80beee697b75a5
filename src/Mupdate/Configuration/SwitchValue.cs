namespace Mupdate.Configuration;

/// <summary>Parses SWITCH (boolean) option values the way Cyrus 3.6 does.</summary>
/// <remarks>
/// Only the first byte counts, or the first two after an <c>o</c>, and the comparison is case-sensitive:
/// <c>0</c>, <c>n</c>, <c>f</c> and <c>of</c> start a false value, and <c>1</c>, <c>y</c>, <c>t</c> and <c>on</c>
/// start a true one. So <c>nope</c> is false and <c>yesterday</c> true, while <c>Yes</c>, <c>TRUE</c> and
/// <c>On</c> are invalid.
/// </remarks>
public static class SwitchValue
{
    /// <summary>The spellings suggested in error messages.</summary>
    public const string AcceptedSpellings = "yes, no, on, off, true, false, 1 or 0";

    /// <summary>Parses <paramref name="text"/> as a switch.</summary>
    /// <exception cref="FormatException">The value is not a switch. The message gives the reason.</exception>
    public static bool Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        if (TryParse(text, out bool value))
        {
            return value;
        }

        if (TryParse(text.ToLowerInvariant(), out _))
        {
            throw new FormatException($"switches are case-sensitive; use {AcceptedSpellings}");
        }

        throw new FormatException($"use {AcceptedSpellings}");
    }

    /// <summary>Parses <paramref name="text"/> as a switch and returns whether it is one.</summary>
    public static bool TryParse(string text, out bool value)
    {
        ArgumentNullException.ThrowIfNull(text);

        value = false;
        if (text.Length == 0)
        {
            return false;
        }

        char second = text.Length > 1 ? text[1] : '\0';
        switch (text[0])
        {
            case '0' or 'n' or 'f':
                return true;
            case 'o' when second == 'f':
                return true;
            case '1' or 'y' or 't':
                value = true;
                return true;
            case 'o' when second == 'n':
                value = true;
                return true;
            default:
                return false;
        }
    }
}
