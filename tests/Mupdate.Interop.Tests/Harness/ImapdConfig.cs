using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// The lines of an imapd.conf in insertion order. Cyrus 3.6's master(8) exits at once, with
/// nothing logged, when a key appears twice, so <see cref="Set"/> replaces an existing key
/// instead of adding a second line.
/// </summary>
public sealed class ImapdConfig
{
    private readonly List<KeyValuePair<string, string>> _entries = [];

    public ImapdConfig Set(string key, string value)
    {
        if (key.Length == 0 || key.Contains(':', StringComparison.Ordinal) || key.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"invalid imapd.conf key '{key}'", nameof(key));
        }

        if (value.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException($"imapd.conf value for '{key}' contains a line break", nameof(value));
        }

        var index = _entries.FindIndex(entry => entry.Key == key);
        var entry = KeyValuePair.Create(key, value);
        if (index >= 0)
        {
            _entries[index] = entry;
        }
        else
        {
            _entries.Add(entry);
        }

        return this;
    }

    public ImapdConfig SetAll(IEnumerable<KeyValuePair<string, string>> entries)
    {
        foreach (var (key, value) in entries)
        {
            Set(key, value);
        }

        return this;
    }

    public string? Get(string key) => _entries.Find(entry => entry.Key == key).Value;

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in _entries)
        {
            text.Append(key).Append(": ").Append(value).Append('\n');
        }

        return text.ToString();
    }

    public void WriteTo(string path) => File.WriteAllText(path, ToString());
}
