using System.Text;

namespace Mupdate.Protocol;

/// <summary>
/// The order of Cyrus 3.6 and later mailboxes.db, in which LIST and the UPDATE dump are sent.
/// Cyrus keys each record by its "dbname": for <c>domain!rest</c> the domain, byte 0x1D, then the
/// hierarchy parts of the rest joined by 0x1F instead of '.'; keys compare byte-wise. So a mailbox's
/// children follow it directly, before siblings such as <c>a-b</c> (0x2D sorts after 0x1F):
/// <c>user.t</c>, <c>user.t.a</c>, <c>user.t.a.b</c>, <c>user.t.a b</c>, <c>user.t.a-b</c>.
/// A '^' in an internal name stands for a '.' inside one hierarchy part (as with
/// <c>unixhierarchysep</c>, where <c>john.doe</c> is <c>user.john^doe</c>), and Cyrus 3.6 keys it as
/// that '.', so <c>user.john^doe</c> sorts after <c>user.john-x</c> and before <c>user.john2</c>.
/// <c>ctl_mboxlist -m</c> merges its own list with the master's LIST output in this order.
/// </summary>
public static class MailboxOrder
{
    public const byte DomainSeparator = 0x1D;
    public const byte HierarchySeparator = 0x1F;

    /// <summary>
    /// Builds the sort key of a mailbox name: its UTF-8 bytes with the separators mapped. The mapping
    /// is one-to-one for names without control characters, and those are the only names stored.
    /// </summary>
    public static byte[] SortKey(string name)
    {
        var key = Encoding.UTF8.GetBytes(name);
        var domainEnd = Array.IndexOf(key, (byte)'!');
        if (domainEnd >= 0)
        {
            // Dots inside the domain part stay dots: only the hierarchy after '!' is separated.
            key[domainEnd] = DomainSeparator;
        }

        for (var i = domainEnd + 1; i < key.Length; i++)
        {
            key[i] = key[i] switch
            {
                (byte)'.' => HierarchySeparator,
                (byte)'^' => (byte)'.',
                var other => other,
            };
        }

        return key;
    }

    /// <summary>Compares two mailbox names in mailboxes.db order.</summary>
    public static int Compare(string left, string right) =>
        SortKey(left).AsSpan().SequenceCompareTo(SortKey(right));

    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(Compare);
}
