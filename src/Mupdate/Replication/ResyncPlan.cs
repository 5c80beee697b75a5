using Mupdate.Store;

namespace Mupdate.Replication;

/// <summary>
/// The writes that turn the replica into a copy of the master's dump, found by name in both
/// directions. No sort order is assumed: the master's order and the store's may differ (Cyrus
/// masters send mailboxes.db order, and other masters may send any).
/// </summary>
public sealed record ResyncPlan(
    IReadOnlyList<WriteRequest> Writes,
    int Added,
    int Changed,
    int Removed,
    IReadOnlyList<string> KeptLocal,
    int ReplicaCount,
    int DumpCount)
{
    /// <summary>
    /// Compares <paramref name="replica"/> with <paramref name="dump"/>. A name the dump has twice takes
    /// its last record. With <paramref name="unified"/>, replica entries without a <c>server!</c> part
    /// are local to this host: they stay, and are listed in <see cref="KeptLocal"/>.
    /// </summary>
    public static ResyncPlan Build(IEnumerable<MailboxRecord> replica, IReadOnlyList<MailboxRecord> dump, bool unified)
    {
        var masterRecords = new Dictionary<string, MailboxRecord>(dump.Count, StringComparer.Ordinal);
        foreach (var record in dump)
        {
            masterRecords[record.Name] = record;
        }

        var dumpCount = masterRecords.Count;
        var writes = new List<WriteRequest>();
        var keptLocal = new List<string>();
        int replicaCount = 0, changed = 0, removed = 0;
        foreach (var record in replica)
        {
            replicaCount++;

            // What is left in the dictionary after this loop is what the replica lacks.
            if (masterRecords.Remove(record.Name, out var master))
            {
                if (master != record)
                {
                    writes.Add(WriteRequest.Put(master));
                    changed++;
                }
            }
            else if (unified && !record.Location.Contains('!', StringComparison.Ordinal))
            {
                keptLocal.Add(record.Name);
            }
            else
            {
                writes.Add(WriteRequest.Remove(record.Name));
                removed++;
            }
        }

        foreach (var record in masterRecords.Values)
        {
            writes.Add(WriteRequest.Put(record));
        }

        return new ResyncPlan(writes, masterRecords.Count, changed, removed, keptLocal, replicaCount, dumpCount);
    }

    /// <summary>
    /// True when the plan removes more than <paramref name="percentMax"/> percent of a replica of at
    /// least <paramref name="guardEntries"/> entries: the sign of an emptied or wrong master.
    /// </summary>
    public bool RemovesTooMuch(int percentMax, int guardEntries) =>
        percentMax < 100 && ReplicaCount >= guardEntries && (long)Removed * 100 > (long)ReplicaCount * percentMax;
}
