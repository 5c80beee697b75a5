namespace Mupdate.Configuration;

/// <summary>
/// One <c>key: value</c> line of an imapd.conf file, with where it was read.
/// </summary>
public sealed class ConfigEntry
{
    public ConfigEntry(string key, string value, string file, int line)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(value);
        ArgumentException.ThrowIfNullOrEmpty(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(line, 1);

        Key = key;
        Value = value;
        File = file;
        Line = line;
    }

    /// <summary>The key as written, folded to lower case, including any service prefix.</summary>
    public string Key { get; }

    /// <summary>The value with surrounding whitespace removed, case preserved, never empty.</summary>
    public string Value { get; }

    /// <summary>The file path as it was given or included, not made absolute.</summary>
    public string File { get; }

    /// <summary>
    /// The 1-based line number. For a value continued over several lines with a trailing backslash, the line
    /// where it starts.
    /// </summary>
    public int Line { get; }

    /// <summary>The <c>file:line</c> form that error messages start with.</summary>
    public string Location => $"{File}:{Line}";

    /// <summary>Returns the key and location but never the value, which may be a password.</summary>
    public override string ToString() => $"{Key} at {Location}";
}
