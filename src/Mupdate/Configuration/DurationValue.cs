using System.Globalization;
using System.Text;

namespace Mupdate.Configuration;

/// <summary>Parses and formats DURATION option values the way Cyrus 3.6 writes them.</summary>
/// <remarks>
/// A duration is an optional <c>-</c> and one or more groups of digits followed by a unit: <c>d</c>, <c>h</c>,
/// <c>m</c> or <c>s</c>, in lower case only, with no spaces, as in <c>1h30m</c>, <c>2d</c> or <c>90s</c>. A
/// number at the end without a unit is counted in the option's default unit. Groups may repeat units and come
/// in any order (<c>30m1h</c> is 90 minutes), which Cyrus 3.6 also accepts.
/// </remarks>
public static class DurationValue
{
    /// <summary>
    /// The largest duration in seconds. Cyrus stores durations as a C <c>int</c> count of seconds.
    /// </summary>
    public const long MaxSeconds = int.MaxValue;

    private const string Spellings = "write digits followed by d, h, m or s, as in 1h30m, 2d or 90s";

    /// <summary>Parses <paramref name="text"/> as a duration.</summary>
    /// <param name="text">The value.</param>
    /// <param name="defaultUnit">The unit of a number at the end that has no unit.</param>
    /// <exception cref="FormatException">The value is not a duration. The message gives the reason.</exception>
    /// <exception cref="OverflowException">The duration is longer than <see cref="MaxSeconds"/> seconds.</exception>
    public static TimeSpan Parse(string text, DurationUnit defaultUnit = DurationUnit.Seconds)
    {
        ArgumentNullException.ThrowIfNull(text);

        int position = 0;
        bool negative = false;
        if (text.StartsWith('-'))
        {
            negative = true;
            position++;
        }

        if (position == text.Length)
        {
            throw new FormatException($"no digits; {Spellings}");
        }

        long totalSeconds = 0;
        while (position < text.Length)
        {
            long number = 0;
            int digitsStart = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                number = number * 10 + (text[position] - '0');
                if (number > MaxSeconds)
                {
                    throw TooLong();
                }

                position++;
            }

            if (position == digitsStart)
            {
                throw new FormatException(DescribeMissingDigits(text[position]));
            }

            long unitSeconds;
            if (position == text.Length)
            {
                unitSeconds = SecondsPer(defaultUnit);
            }
            else
            {
                unitSeconds = SecondsPer(text[position]);
                position++;
            }

            totalSeconds += number * unitSeconds;
            if (totalSeconds > MaxSeconds)
            {
                throw TooLong();
            }
        }

        return TimeSpan.FromSeconds(negative ? -totalSeconds : totalSeconds);
    }

    /// <summary>
    /// Formats the whole seconds of <paramref name="duration"/> in the same syntax, as in <c>1h30m</c> or <c>0s</c>.
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        long seconds = (long)duration.TotalSeconds;
        if (seconds == 0)
        {
            return "0s";
        }

        var result = new StringBuilder();
        if (seconds < 0)
        {
            result.Append('-');
            seconds = -seconds;
        }

        AppendPart(result, seconds / 86400, 'd');
        AppendPart(result, seconds / 3600 % 24, 'h');
        AppendPart(result, seconds / 60 % 60, 'm');
        AppendPart(result, seconds % 60, 's');
        return result.ToString();
    }

    internal static long SecondsPer(DurationUnit unit) => unit switch
    {
        DurationUnit.Seconds => 1,
        DurationUnit.Minutes => 60,
        DurationUnit.Hours => 3600,
        DurationUnit.Days => 86400,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "unknown duration unit"),
    };

    private static long SecondsPer(char unit) => unit switch
    {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        'S' or 'M' or 'H' or 'D' => throw new FormatException(
            $"units are lower case only; write {char.ToLowerInvariant(unit)} instead of {unit}"),
        _ => throw new FormatException($"{MessageText.DescribeCharacter(unit)} is not a unit; {Spellings}"),
    };

    private static string DescribeMissingDigits(char found) =>
        ImapdConfigReader.IsSpace(found)
            ? $"spaces are not allowed in a duration; {Spellings}"
            : $"expected a digit before {MessageText.DescribeCharacter(found)}; {Spellings}";

    private static OverflowException TooLong() =>
        new($"the duration is longer than {MaxSeconds} seconds, the largest that Cyrus can store");

    private static void AppendPart(StringBuilder result, long count, char unit)
    {
        if (count != 0)
        {
            result.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}
