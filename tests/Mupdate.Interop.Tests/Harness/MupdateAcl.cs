using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// The ACL form Cyrus 3.6 uses on the MUPDATE wire and in mailboxes.db: <c>id\trights\t</c>
/// for each entry. Cyrus 3.6 accepts a space-separated ACL with OK but stores it as empty,
/// so tests must always send this form.
/// </summary>
public static class MupdateAcl
{
    public static string Format(IEnumerable<KeyValuePair<string, string>> entries)
    {
        var text = new StringBuilder();
        foreach (var (identifier, rights) in entries)
        {
            text.Append(identifier).Append('\t').Append(rights).Append('\t');
        }

        return text.ToString();
    }

    public static string Format(params (string Identifier, string Rights)[] entries) =>
        Format(entries.Select(entry => KeyValuePair.Create(entry.Identifier, entry.Rights)));

    /// <summary>Splits a wire ACL into pairs and throws when the TAB-separated fields do not pair up.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string acl)
    {
        if (acl.Length == 0)
        {
            return [];
        }

        var fields = acl.TrimEnd('\t').Split('\t');
        if (fields.Length % 2 != 0)
        {
            var shown = acl.Replace("\t", "\\t", StringComparison.Ordinal);
            throw new FormatException($"ACL does not have identifier/rights pairs: '{shown}'");
        }

        return [.. Enumerable.Range(0, fields.Length / 2)
            .Select(i => KeyValuePair.Create(fields[2 * i], fields[(2 * i) + 1]))];
    }
}
