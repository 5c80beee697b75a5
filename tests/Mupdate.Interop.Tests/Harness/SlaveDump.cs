namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Compares a Cyrus 3.6 slave's mailboxes.db (<see cref="CtlMboxlist.DumpAsync"/>) with the master's list.
/// </summary>
public static class SlaveDump
{
    /// <summary>
    /// Describes up to <paramref name="max"/> differences: entries missing from the dump or stored
    /// differently, then names in the dump that <paramref name="expected"/> lacks. Empty when they match.
    /// </summary>
    public static List<string> Differences(
        IReadOnlyList<MailboxEntry> expected, IReadOnlyDictionary<string, DumpedMailbox> dump, int max = 5)
    {
        var expectedNames = expected.Select(entry => entry.Name).ToHashSet(StringComparer.Ordinal);
        var wrong = expected.Where(entry => !Matches(entry, dump))
            .Select(entry => $"{entry} vs {Describe(dump.GetValueOrDefault(entry.Name))}");
        var extra = dump.Values.Where(dumped => !expectedNames.Contains(dumped.Name))
            .Select(dumped => $"unexpected {dumped.Name}: {Describe(dumped)}");
        return [.. wrong.Concat(extra).Take(max)];
    }

    private static bool Matches(MailboxEntry entry, IReadOnlyDictionary<string, DumpedMailbox> dump)
    {
        if (!dump.TryGetValue(entry.Name, out var dumped))
        {
            return false;
        }

        // Cyrus 3.6 slaves store remote entries as mbtype "er" and reservations as "erz".
        var expectedType = entry.Kind == MailboxEntryKind.Active ? "er" : "erz";
        var (server, partition) = SplitLocation(entry.Location);
        return dumped.MailboxType == expectedType
            && dumped.Server == server
            && dumped.Partition == partition
            && dumped.Acl.SequenceEqual(entry.AclPairs);
    }

    private static (string Server, string Partition) SplitLocation(string location)
    {
        var bang = location.IndexOf('!', StringComparison.Ordinal);
        return (location[..bang], location[(bang + 1)..]);
    }

    private static string Describe(DumpedMailbox? dumped)
    {
        if (dumped is null)
        {
            return "(missing)";
        }

        var acl = string.Join(", ", dumped.Acl.Select(pair => pair.Key + "=" + pair.Value));
        return $"{dumped.MailboxType} {dumped.Server}!{dumped.Partition} [{acl}]";
    }
}
