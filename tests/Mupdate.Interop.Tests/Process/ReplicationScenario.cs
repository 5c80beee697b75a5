using System.Globalization;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// The entries a master is seeded with and the batches of writes a test sends it later. Each name is
/// written at most once over all batches, so it has one state before the writes and one after, and
/// a reader of a replica may see only those two.
/// </summary>
public sealed class ReplicationScenario
{
    /// <summary>Every this many seed entries, one is a reservation.</summary>
    private const int ReservationEvery = 12;

    private ReplicationScenario(IReadOnlyList<MailboxEntry> seed, IReadOnlyList<IReadOnlyList<MailboxWrite>> batches)
    {
        Seed = seed;
        Batches = batches;
    }

    /// <summary>
    /// Entries across three backends and two partitions, one in <see cref="ReservationEvery"/> reserved,
    /// with names that have sub-folders, spaces and '-'.
    /// </summary>
    public IReadOnlyList<MailboxEntry> Seed { get; }

    public IReadOnlyList<IReadOnlyList<MailboxWrite>> Batches { get; }

    /// <summary>
    /// Builds a seed of <paramref name="seedCount"/> entries and one batch for each size in
    /// <paramref name="batchSizes"/>. Of each batch, about 24% ACTIVATE a new name, 8% RESERVE a new
    /// name, 12% DEACTIVATE an active mailbox, 10% ACTIVATE a reserved name and 16% DELETE an entry.
    /// The rest move an active mailbox to a server!partition that no seed entry uses, half of them
    /// with a new ACL. Throws when the seed has too few entries of a kind for the batches.
    /// </summary>
    public static ReplicationScenario Build(Random random, int seedCount, IReadOnlyList<int> batchSizes)
    {
        var seed = BuildSeed(seedCount);
        var active = Shuffle(random, seed.Where(entry => entry.Kind == MailboxEntryKind.Active));
        var reserved = Shuffle(random, seed.Where(entry => entry.Kind == MailboxEntryKind.Reserved));
        var batches = new List<IReadOnlyList<MailboxWrite>>();
        for (var batch = 0; batch < batchSizes.Count; batch++)
        {
            var size = batchSizes[batch];
            var adds = size * 24 / 100;
            var reservations = size * 8 / 100;
            var deactivations = size * 12 / 100;
            var reservedActivations = size * 10 / 100;
            var deletes = size * 16 / 100;
            var moves = size - adds - reservations - deactivations - reservedActivations - deletes;
            var writes = new List<MailboxWrite>(size);
            for (var i = 0; i < adds + reservations; i++)
            {
                var name = NewName(random, seedCount, batch, i);
                writes.Add(i < adds
                    ? new MailboxWrite(MailboxWriteKind.Activate, name, MovedLocation(random), NewAcl(batch, i))
                    : new MailboxWrite(MailboxWriteKind.Reserve, name, MovedLocation(random), ""));
            }

            for (var i = 0; i < moves; i++)
            {
                var entry = Take(active, "active");
                var acl = i % 2 == 0 ? entry.Acl : NewAcl(batch, i);
                writes.Add(new MailboxWrite(MailboxWriteKind.Activate, entry.Name, MovedLocation(random), acl));
            }

            for (var i = 0; i < deactivations; i++)
            {
                var entry = Take(active, "active");
                writes.Add(new MailboxWrite(MailboxWriteKind.Deactivate, entry.Name, MovedLocation(random), ""));
            }

            for (var i = 0; i < reservedActivations; i++)
            {
                var entry = Take(reserved, "reserved");
                writes.Add(new MailboxWrite(MailboxWriteKind.Activate, entry.Name, entry.Location, NewAcl(batch, i)));
            }

            for (var i = 0; i < deletes; i++)
            {
                var entry = i % 4 == 0 && reserved.Count > 0 ? Take(reserved, "reserved") : Take(active, "active");
                writes.Add(new MailboxWrite(MailboxWriteKind.Delete, entry.Name, "", ""));
            }

            batches.Add(Shuffle(random, writes));
        }

        return new ReplicationScenario(seed, batches);
    }

    /// <summary>
    /// Returns one probe target for every seed entry and every name a batch writes, each with its state
    /// before and after all batches.
    /// </summary>
    public IReadOnlyList<ProbeTarget> ProbeTargets()
    {
        var before = Seed.ToDictionary(entry => entry.Name, entry => (MailboxEntry?)entry, StringComparer.Ordinal);
        var after = new Dictionary<string, MailboxEntry?>(before, StringComparer.Ordinal);
        foreach (var write in Batches.SelectMany(batch => batch))
        {
            after[write.Name] = write.Apply(after.GetValueOrDefault(write.Name));
        }

        return [.. after.Select(pair => new ProbeTarget(pair.Key, before.GetValueOrDefault(pair.Key), pair.Value))];
    }

    private static List<MailboxEntry> BuildSeed(int count)
    {
        string[] suffixes = ["", ".Sent Items", ".a-b", ".a.b"];
        var entries = new List<MailboxEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var user = UserOf(i / suffixes.Length);
            var name = $"user.{user}{suffixes[i % suffixes.Length]}";
            var location = $"be{(i % 3) + 1}!{(i % 2 == 0 ? "default" : "p2")}";
            entries.Add(i % ReservationEvery == ReservationEvery - 1
                ? MailboxEntry.Reserved(name, location)
                : MailboxEntry.Active(name, location, MupdateAcl.Format((user, "lrswipkxtecda"), ("anyone", "lr"))));
        }

        return entries;
    }

    private static string UserOf(int index) => "s" + index.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>A name no seed entry has, under a random seed user, so that it sorts between seed names.</summary>
    private static string NewName(Random random, int seedCount, int batch, int index)
    {
        var user = UserOf(random.Next(Math.Max(1, seedCount / 4)));
        var folder = index % 3 == 0 ? "New Folder" : "added";
        return string.Create(CultureInfo.InvariantCulture, $"user.{user}.{folder} {batch}-{index}");
    }

    /// <summary>A location on servers be4 to be6, which no seed entry uses, so every move changes it.</summary>
    private static string MovedLocation(Random random) => $"be{random.Next(4, 7)}!p{random.Next(1, 4)}";

    private static string NewAcl(int batch, int index) => MupdateAcl.Format(
        (string.Create(CultureInfo.InvariantCulture, $"owner{batch}-{index}"), "lrswipkxtecda"), ("anyone", "l"));

    private static List<T> Shuffle<T>(Random random, IEnumerable<T> items)
    {
        var list = items.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        return list;
    }

    private static MailboxEntry Take(List<MailboxEntry> pool, string kind)
    {
        if (pool.Count == 0)
        {
            throw new InvalidOperationException($"the seed has too few {kind} entries for the batches");
        }

        var entry = pool[^1];
        pool.RemoveAt(pool.Count - 1);
        return entry;
    }
}
