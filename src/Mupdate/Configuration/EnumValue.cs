namespace Mupdate.Configuration;

/// <summary>Parses ENUM option values the way Cyrus 3.6 does.</summary>
/// <remarks>
/// The exact values <c>1</c>, <c>yes</c>, <c>t</c> and <c>true</c> first become <c>on</c>, and <c>0</c>,
/// <c>no</c>, <c>f</c> and <c>false</c> become <c>off</c>. The result must then equal one of the allowed names,
/// case-sensitively.
/// </remarks>
public static class EnumValue
{
    /// <summary>Returns the allowed name that <paramref name="text"/> stands for.</summary>
    /// <exception cref="FormatException">The value is not one of the allowed names.</exception>
    public static string Parse(string text, IReadOnlyList<string> allowedNames)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(allowedNames);

        string normalized = Normalize(text);
        foreach (string name in allowedNames)
        {
            if (string.Equals(name, normalized, StringComparison.Ordinal))
            {
                return name;
            }
        }

        throw new FormatException($"use one of {string.Join(", ", allowedNames)} (case-sensitive)");
    }

    /// <summary>Maps the exact on/off synonyms to <c>on</c> and <c>off</c> and returns other text unchanged.</summary>
    public static string Normalize(string text) => text switch
    {
        "1" or "yes" or "t" or "true" => "on",
        "0" or "no" or "f" or "false" => "off",
        _ => text,
    };
}
