namespace Mupdate.Configuration;

/// <summary>Parses INT option values like C <c>strtol</c> with base 0, as Cyrus 3.6 does.</summary>
/// <remarks>
/// An optional <c>+</c> or <c>-</c> is followed by a decimal number, by <c>0x</c> or <c>0X</c> and hexadecimal
/// digits, or by <c>0</c> and octal digits, so <c>010</c> is 8. The whole value must be the number.
/// </remarks>
public static class IntegerValue
{
    private const string Spellings = "write a decimal number, 0x followed by hexadecimal digits, "
        + "or 0 followed by octal digits";

    /// <summary>Parses <paramref name="text"/> as an integer.</summary>
    /// <exception cref="FormatException">The value is not an integer. The message gives the reason.</exception>
    /// <exception cref="OverflowException">The value does not fit in 64 bits.</exception>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        bool negative = text.StartsWith('-');
        int position = SignLength(text);

        int radix = 10;
        if (position + 1 < text.Length && text[position] == '0' && text[position + 1] is 'x' or 'X')
        {
            radix = 16;
            position += 2;
        }
        else if (position < text.Length && text[position] == '0')
        {
            radix = 8;
        }

        if (position == text.Length)
        {
            throw new FormatException($"not an integer; {Spellings}");
        }

        // The magnitude of long.MinValue is one more than long.MaxValue.
        ulong limit = negative ? (ulong)long.MaxValue + 1 : long.MaxValue;
        ulong magnitude = 0;
        for (; position < text.Length; position++)
        {
            int digit = DigitValue(text[position]);
            if (digit < 0 || digit >= radix)
            {
                throw new FormatException(DescribeBadDigit(text[position], radix));
            }

            if (magnitude > (limit - (ulong)digit) / (ulong)radix)
            {
                throw new OverflowException("the number does not fit in a 64-bit integer");
            }

            magnitude = magnitude * (ulong)radix + (ulong)digit;
        }

        return negative ? unchecked((long)(0 - magnitude)) : (long)magnitude;
    }

    /// <summary>Returns 1 when <paramref name="text"/> starts with a C sign (<c>+</c> or <c>-</c>), else 0.</summary>
    internal static int SignLength(string text) => text.StartsWith('+') || text.StartsWith('-') ? 1 : 0;

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static string DescribeBadDigit(char c, int radix)
    {
        if (radix == 8 && c is '8' or '9')
        {
            return "a leading 0 makes the number octal, as in C, so it cannot contain 8 or 9; remove the leading 0";
        }

        return $"{MessageText.DescribeCharacter(c)} is not a digit; {Spellings}";
    }
}
