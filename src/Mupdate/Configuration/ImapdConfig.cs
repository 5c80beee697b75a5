using System.Collections.Frozen;

namespace Mupdate.Configuration;

/// <summary>
/// The entries of an imapd.conf file and its includes, as <see cref="ImapdConfigReader"/> read them, with
/// lookups that apply service overrides.
/// </summary>
/// <remarks>
/// A lookup of option <c>X</c> for service <c>S</c> first tries the key <c>S_X</c> and then <c>X</c>, so
/// <c>mupdate_admins</c> overrides <c>admins</c> for the service <c>mupdate</c>, wherever the two lines are.
/// Keys are stored in lower case, so the service name is matched case-insensitively, as Cyrus 3.6 does.
/// </remarks>
public sealed partial class ImapdConfig
{
    /// <summary>The option that the <c>{configdirectory}</c> placeholder stands for.</summary>
    public const string ConfigDirectoryOption = "configdirectory";

    private const string ConfigDirectoryPlaceholder = "{configdirectory}";

    private readonly FrozenDictionary<string, ConfigEntry> _entriesByKey;
    private readonly string _servicePrefix;

    internal ImapdConfig(string configFile, string serviceName, IReadOnlyList<ConfigEntry> entries)
    {
        ConfigFile = configFile;
        ServiceName = serviceName;
        Entries = entries.ToArray();
        _entriesByKey = entries.ToFrozenDictionary(entry => entry.Key, StringComparer.Ordinal);
        _servicePrefix = serviceName.ToLowerInvariant() + "_";
    }

    /// <summary>The main configuration file, as its path was given.</summary>
    public string ConfigFile { get; }

    /// <summary>The service name whose <c>service_option</c> keys override <c>option</c>.</summary>
    public string ServiceName { get; }

    /// <summary>Every entry, known or unknown, in the order read, with included files at their @include line.</summary>
    public IReadOnlyList<ConfigEntry> Entries { get; }

    /// <summary>
    /// Finds the entry for <paramref name="option"/>: the service-specific key if set, else the plain key, else null.
    /// </summary>
    public ConfigEntry? Find(string option)
    {
        ArgumentException.ThrowIfNullOrEmpty(option);

        string key = option.ToLowerInvariant();
        if (_entriesByKey.TryGetValue(_servicePrefix + key, out ConfigEntry? specific))
        {
            return specific;
        }

        return _entriesByKey.GetValueOrDefault(key);
    }

    /// <summary>
    /// Returns the option name that <paramref name="key"/> sets for this service: the key without the
    /// <c>service_</c> prefix when it has one, else the key itself.
    /// </summary>
    public string OptionNameOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith(_servicePrefix, StringComparison.Ordinal) && key.Length > _servicePrefix.Length
            ? key[_servicePrefix.Length..]
            : key;
    }

    /// <summary>
    /// Returns the value of a STRING option, or null when it is not set. A value that starts with
    /// <c>{configdirectory}</c> (in any case) has that placeholder replaced with the configdirectory value.
    /// </summary>
    /// <remarks>
    /// Cyrus 3.6 replaces the placeholder only in the string options it knows. This method replaces it in every
    /// value it returns, including unknown keys such as <c>sasl_*</c>.
    /// </remarks>
    /// <exception cref="ConfigurationException">The value uses the placeholder but configdirectory is not set.</exception>
    public string? GetString(string option)
    {
        ConfigEntry? entry = Find(option);
        return entry is null ? null : ExpandConfigDirectory(entry);
    }

    private string ExpandConfigDirectory(ConfigEntry entry)
    {
        if (!entry.Value.StartsWith(ConfigDirectoryPlaceholder, StringComparison.OrdinalIgnoreCase))
        {
            return entry.Value;
        }

        ConfigEntry? directory = Find(ConfigDirectoryOption);

        // The configdirectory value itself is never expanded, as in Cyrus, so it cannot refer to itself.
        if (ReferenceEquals(directory, entry))
        {
            return entry.Value;
        }

        if (directory is null)
        {
            throw new ConfigurationException(
                entry.File, entry.Line, $"{entry.Key} starts with {ConfigDirectoryPlaceholder}, but configdirectory "
                    + "is not set; set configdirectory or write the full path");
        }

        return directory.Value + entry.Value[ConfigDirectoryPlaceholder.Length..];
    }
}
