using System.Globalization;

namespace Mupdate.Configuration;

// Typed lookups. Each returns the default when the option is not set, and throws a ConfigurationException
// that starts with the value's file:line when the value is invalid or outside its range.
public sealed partial class ImapdConfig
{
    /// <summary>Returns the value of a SWITCH option, or <paramref name="defaultValue"/> when it is not set.</summary>
    /// <exception cref="ConfigurationException">The value is not a switch.</exception>
    public bool GetSwitch(string option, bool defaultValue)
    {
        ConfigEntry? entry = Find(option);
        if (entry is null)
        {
            return defaultValue;
        }

        try
        {
            return SwitchValue.Parse(entry.Value);
        }
        catch (FormatException ex)
        {
            throw InvalidValue(entry, ex);
        }
    }

    /// <summary>
    /// Returns the value of an INT option, or <paramref name="defaultValue"/> when it is not set.
    /// </summary>
    /// <param name="option">The option name.</param>
    /// <param name="defaultValue">The value when the option is not set. It is not range-checked.</param>
    /// <param name="minimum">The smallest allowed value.</param>
    /// <param name="maximum">The largest allowed value.</param>
    /// <param name="minimumReason">The reason for the minimum, added to the error for a smaller value, or null.</param>
    /// <exception cref="ConfigurationException">The value is not an integer or is out of range.</exception>
    public long GetInt(string option, long defaultValue, long minimum, long maximum, string? minimumReason = null)
    {
        ConfigEntry? entry = Find(option);
        if (entry is null)
        {
            return defaultValue;
        }

        string range = string.Create(CultureInfo.InvariantCulture, $"{minimum} to {maximum}");
        long value;
        try
        {
            value = IntegerValue.Parse(entry.Value);
        }
        catch (FormatException ex)
        {
            throw InvalidValue(entry, ex);
        }
        catch (OverflowException)
        {
            throw OutOfRange(entry, $"the number is outside the allowed range {range}", null);
        }

        if (value < minimum || value > maximum)
        {
            string? reason = value < minimum ? minimumReason : null;
            throw OutOfRange(entry, $"the value is outside the allowed range {range}", reason);
        }

        return value;
    }

    /// <summary>
    /// Returns the allowed name that an ENUM option is set to, or <paramref name="defaultValue"/> when it is not set.
    /// </summary>
    /// <exception cref="ConfigurationException">The value is not one of <paramref name="allowedNames"/>.</exception>
    public string GetEnum(string option, string defaultValue, IReadOnlyList<string> allowedNames)
    {
        ConfigEntry? entry = Find(option);
        if (entry is null)
        {
            return defaultValue;
        }

        try
        {
            return EnumValue.Parse(entry.Value, allowedNames);
        }
        catch (FormatException ex)
        {
            throw InvalidValue(entry, ex);
        }
    }

    /// <summary>
    /// Returns the value of a DURATION option, or <paramref name="defaultValue"/> when it is not set.
    /// </summary>
    /// <param name="option">The option name.</param>
    /// <param name="defaultValue">The value when the option is not set. It is not range-checked.</param>
    /// <param name="defaultUnit">The unit of a trailing number without a unit.</param>
    /// <param name="minimum">The shortest allowed duration.</param>
    /// <param name="maximum">The longest allowed duration.</param>
    /// <param name="minimumReason">The reason for the minimum, added to the error for a smaller value, or null.</param>
    /// <exception cref="ConfigurationException">The value is not a duration or is out of range.</exception>
    public TimeSpan GetDuration(
        string option,
        TimeSpan defaultValue,
        DurationUnit defaultUnit,
        TimeSpan minimum,
        TimeSpan maximum,
        string? minimumReason = null)
    {
        ConfigEntry? entry = Find(option);
        if (entry is null)
        {
            return defaultValue;
        }

        TimeSpan value;
        try
        {
            value = DurationValue.Parse(entry.Value, defaultUnit);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw InvalidValue(entry, ex);
        }

        if (value < minimum)
        {
            string problem = $"the duration is shorter than the minimum {DurationValue.Format(minimum)}";
            throw OutOfRange(entry, problem, minimumReason);
        }

        if (value > maximum)
        {
            string problem = $"the duration is longer than the maximum {DurationValue.Format(maximum)}";
            throw OutOfRange(entry, problem, null);
        }

        return value;
    }

    /// <summary>
    /// Returns the value of a BYTESIZE option in bytes, or <paramref name="defaultValue"/> when it is not set.
    /// </summary>
    /// <param name="option">The option name.</param>
    /// <param name="defaultValue">The value when the option is not set. It is not range-checked.</param>
    /// <param name="minimum">The smallest allowed size in bytes.</param>
    /// <param name="maximum">The largest allowed size in bytes.</param>
    /// <param name="minimumReason">The reason for the minimum, added to the error for a smaller value, or null.</param>
    /// <exception cref="ConfigurationException">The value is not a size or is out of range.</exception>
    public long GetByteSize(string option, long defaultValue, long minimum, long maximum, string? minimumReason = null)
    {
        ConfigEntry? entry = Find(option);
        if (entry is null)
        {
            return defaultValue;
        }

        long value;
        try
        {
            value = ByteSizeValue.Parse(entry.Value);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw InvalidValue(entry, ex);
        }

        if (value < minimum || value > maximum)
        {
            string range = $"{ByteSizeValue.Format(minimum)} to {ByteSizeValue.Format(maximum)}";
            string? reason = value < minimum ? minimumReason : null;
            throw OutOfRange(entry, $"the size is outside the allowed range {range}", reason);
        }

        return value;
    }

    /// <summary>Creates an error about <paramref name="entry"/> that starts with its file:line.</summary>
    internal static ConfigurationException ErrorAt(ConfigEntry entry, string problem) =>
        new(entry.File, entry.Line, problem);

    private static ConfigurationException InvalidValue(ConfigEntry entry, Exception reason) =>
        ErrorAt(entry, $"invalid value '{MessageText.Shorten(entry.Value)}' for {entry.Key}: {reason.Message}");

    private static ConfigurationException OutOfRange(ConfigEntry entry, string problem, string? reason)
    {
        string message = $"invalid value '{MessageText.Shorten(entry.Value)}' for {entry.Key}: {problem}";
        return ErrorAt(entry, reason is null ? message : $"{message}, because {reason}");
    }
}
