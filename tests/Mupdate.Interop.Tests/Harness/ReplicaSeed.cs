using System.Globalization;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>The mailbox list the replication tests seed on a master.</summary>
public static class ReplicaSeed
{
    /// <summary>
    /// Entries across three backends and two partitions. Every 50th is a reservation, and names
    /// include sub-folders, spaces and '-'.
    /// </summary>
    public static List<MailboxEntry> Build(int count)
    {
        string[] suffixes = ["", ".Sent Items", ".a-b", ".a.b"];
        var entries = new List<MailboxEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var user = "s" + (i / suffixes.Length).ToString("D5", CultureInfo.InvariantCulture);
            var name = $"user.{user}{suffixes[i % suffixes.Length]}";
            var location = $"be{(i % 3) + 1}!{(i % 2 == 0 ? "default" : "p2")}";
            entries.Add(i % 50 == 49
                ? MailboxEntry.Reserved(name, location)
                : MailboxEntry.Active(name, location, MupdateAcl.Format((user, "lrswipkxtecda"), ("anyone", "lr"))));
        }

        return entries;
    }
}
