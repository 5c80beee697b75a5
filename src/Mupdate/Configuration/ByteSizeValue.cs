using System.Globalization;

namespace Mupdate.Configuration;

/// <summary>Parses and formats BYTESIZE option values the way Cyrus 3.8 and later write them.</summary>
/// <remarks>
/// A size is a base-10 integer with an optional sign, optional whitespace, an optional <c>K</c>, <c>M</c> or
/// <c>G</c> in either case (powers of 1024), then an optional <c>i</c> after the multiplier and an optional
/// <c>B</c>, both in either case: <c>128K</c>, <c>1 MiB</c>, <c>2gb</c> or <c>4096</c>. A bare number is
/// bytes, so the plain integers that Cyrus 3.6 accepted for the same options still parse.
/// </remarks>
public static class ByteSizeValue
{
    /// <summary>Bytes in one K.</summary>
    public const long Kibi = 1024;

    /// <summary>Bytes in one M.</summary>
    public const long Mebi = 1024 * Kibi;

    /// <summary>Bytes in one G.</summary>
    public const long Gibi = 1024 * Mebi;

    private const string Spellings = "write a number with an optional K, M or G, as in 4096, 128K, 1 MiB or 2gb";

    /// <summary>Parses <paramref name="text"/> as a number of bytes.</summary>
    /// <exception cref="FormatException">The value is not a size. The message gives the reason.</exception>
    /// <exception cref="OverflowException">The size does not fit in 64 bits.</exception>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        bool negative = text.StartsWith('-');
        int position = IntegerValue.SignLength(text);

        int digitsStart = position;
        long number = 0;
        while (position < text.Length && char.IsAsciiDigit(text[position]))
        {
            int digit = text[position] - '0';
            if (number > (long.MaxValue - digit) / 10)
            {
                throw TooLarge();
            }

            number = number * 10 + digit;
            position++;
        }

        if (position == digitsStart)
        {
            throw new FormatException($"no digits; {Spellings}");
        }

        while (position < text.Length && ImapdConfigReader.IsSpace(text[position]))
        {
            position++;
        }

        long multiplier = 1;
        if (position < text.Length && MultiplierOf(text[position]) is long found)
        {
            multiplier = found;
            position++;
            if (position < text.Length && text[position] is 'i' or 'I')
            {
                position++;
            }
        }

        if (position < text.Length && text[position] is 'b' or 'B')
        {
            position++;
        }

        if (position < text.Length)
        {
            throw new FormatException($"{MessageText.DescribeCharacter(text[position])} is not a unit; {Spellings}");
        }

        if (number > long.MaxValue / multiplier)
        {
            throw TooLarge();
        }

        long bytes = number * multiplier;
        return negative ? -bytes : bytes;
    }

    /// <summary>Formats <paramref name="bytes"/> with the largest multiplier that divides it, as in <c>128K</c>.</summary>
    public static string Format(long bytes)
    {
        string Whole(long count, string suffix) => count.ToString(CultureInfo.InvariantCulture) + suffix;

        if (bytes != 0 && bytes % Gibi == 0)
        {
            return Whole(bytes / Gibi, "G");
        }

        if (bytes != 0 && bytes % Mebi == 0)
        {
            return Whole(bytes / Mebi, "M");
        }

        if (bytes != 0 && bytes % Kibi == 0)
        {
            return Whole(bytes / Kibi, "K");
        }

        return Whole(bytes, "");
    }

    private static OverflowException TooLarge() => new("the size does not fit in a 64-bit integer");

    private static long? MultiplierOf(char c) => c switch
    {
        'k' or 'K' => Kibi,
        'm' or 'M' => Mebi,
        'g' or 'G' => Gibi,
        _ => null,
    };
}
