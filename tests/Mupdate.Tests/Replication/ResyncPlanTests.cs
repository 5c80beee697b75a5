using Mupdate.Replication;
using Mupdate.Store;

namespace Mupdate.Tests.Replication;

public sealed class ResyncPlanTests
{
    private static readonly MailboxRecord A = MailboxRecord.Active("a", "be1!p", "anyone\tlrs\t");
    private static readonly MailboxRecord AB = MailboxRecord.Active("a.b", "be1!p", "");
    private static readonly MailboxRecord ADashB = MailboxRecord.Reserved("a-b", "be2!p");
    private static readonly MailboxRecord UserX = MailboxRecord.Active("user.x", "be2!p", "x\tall\t");

    [Fact]
    public void IdenticalListsNeedNoWrites()
    {
        MailboxRecord[] replica = [A, AB, ADashB, UserX];
        MailboxRecord[] dump = [UserX, ADashB, AB, A];

        var plan = ResyncPlan.Build(replica, dump, unified: false);

        Assert.Empty(plan.Writes);
        Assert.Equal(0, plan.Added);
        Assert.Equal(0, plan.Changed);
        Assert.Equal(0, plan.Removed);
        Assert.Equal(4, plan.ReplicaCount);
        Assert.Equal(4, plan.DumpCount);
    }

    [Fact]
    public void DiffFoundByNameInAnyOrder()
    {
        var movedA = A with { Location = "be9!p" };
        var dropped = MailboxRecord.Active("user.dropped", "be1!p", "");
        var added = MailboxRecord.Active("user^y", "be3!p", "");
        MailboxRecord[] replica = [A, AB, dropped, UserX];
        MailboxRecord[] dumpInStrcmpOrder = [movedA, AB, added, UserX];
        MailboxRecord[] dumpReversed = [.. dumpInStrcmpOrder.Reverse()];

        foreach (var dump in new[] { dumpInStrcmpOrder, dumpReversed })
        {
            var plan = ResyncPlan.Build(replica, dump, unified: false);

            Assert.Equal(1, plan.Added);
            Assert.Equal(1, plan.Changed);
            Assert.Equal(1, plan.Removed);
            Assert.Equal(3, plan.Writes.Count);
            Assert.Contains(WriteRequest.Put(movedA), plan.Writes);
            Assert.Contains(WriteRequest.Put(added), plan.Writes);
            Assert.Contains(WriteRequest.Remove("user.dropped"), plan.Writes);
        }
    }

    [Fact]
    public void KindChangeIsChange()
    {
        var reserved = MailboxRecord.Reserved("a", "be1!p");

        var plan = ResyncPlan.Build([A], [reserved], unified: false);

        Assert.Equal(1, plan.Changed);
        var write = Assert.Single(plan.Writes);
        Assert.Equal(WriteKind.Put, write.Kind);
        Assert.Equal(MailboxKind.Reserved, write.PutKind);
    }

    [Fact]
    public void DuplicateInDumpTakesLast()
    {
        var first = MailboxRecord.Active("user.x", "be1!p", "");
        var last = MailboxRecord.Active("user.x", "be2!p", "x\tall\t");

        var plan = ResyncPlan.Build([], [first, last], unified: false);

        Assert.Equal(1, plan.DumpCount);
        Assert.Equal(1, plan.Added);
        Assert.Equal([WriteRequest.Put(last)], plan.Writes);
    }

    [Fact]
    public void DuplicateMatchingReplicaByLastIsUnchanged()
    {
        var stale = UserX with { Location = "be7!p" };

        var plan = ResyncPlan.Build([UserX], [stale, UserX], unified: false);

        Assert.Empty(plan.Writes);
        Assert.Equal(0, plan.Changed);
    }

    [Fact]
    public void UnifiedKeepsLocalEntries()
    {
        var local = MailboxRecord.Active("user.local", "default", "");
        var localReserved = MailboxRecord.Reserved("user.local2", "");
        var remote = MailboxRecord.Active("user.remote", "be1!p", "");

        var plan = ResyncPlan.Build([local, remote, localReserved], [], unified: true);

        Assert.Equal(["user.local", "user.local2"], plan.KeptLocal);
        Assert.Equal([WriteRequest.Remove("user.remote")], plan.Writes);
        Assert.Equal(1, plan.Removed);
        Assert.Equal(3, plan.ReplicaCount);
    }

    [Fact]
    public void NotUnifiedRemovesLocalEntries()
    {
        var local = MailboxRecord.Active("user.local", "default", "");

        var plan = ResyncPlan.Build([local], [], unified: false);

        Assert.Empty(plan.KeptLocal);
        Assert.Equal([WriteRequest.Remove("user.local")], plan.Writes);
    }

    [Fact]
    public void UnifiedLocalEntryInDumpIsCompared()
    {
        var local = MailboxRecord.Active("user.local", "default", "");
        var fromMaster = MailboxRecord.Active("user.local", "be1!p", "");

        var plan = ResyncPlan.Build([local], [fromMaster], unified: true);

        Assert.Empty(plan.KeptLocal);
        Assert.Equal([WriteRequest.Put(fromMaster)], plan.Writes);
    }

    [Theory]
    [InlineData(1000, 500, 50, 1000, false)]
    [InlineData(1000, 501, 50, 1000, true)]
    [InlineData(999, 999, 50, 1000, false)]
    [InlineData(1000, 1000, 100, 1000, false)]
    [InlineData(1000, 1000, 99, 1000, true)]
    [InlineData(10, 1, 0, 10, true)]
    [InlineData(10, 0, 0, 10, false)]
    [InlineData(3, 2, 50, 0, true)]
    public void GuardThresholds(int replicaCount, int removed, int percentMax, int guardEntries, bool expected)
    {
        var replica = Enumerable.Range(0, replicaCount)
            .Select(i => MailboxRecord.Active($"user.u{i:D5}", "be1!p", ""))
            .ToArray();
        var dump = replica.Skip(removed).ToArray();

        var plan = ResyncPlan.Build(replica, dump, unified: false);

        Assert.Equal(removed, plan.Removed);
        Assert.Equal(expected, plan.RemovesTooMuch(percentMax, guardEntries));
    }

    [Fact]
    public void GuardCountsKeptLocalInReplica()
    {
        var local = Enumerable.Range(0, 500).Select(i => MailboxRecord.Active($"user.l{i:D4}", "default", ""));
        var remote = Enumerable.Range(0, 500).Select(i => MailboxRecord.Active($"user.r{i:D4}", "be1!p", ""));
        var replica = local.Concat(remote).ToArray();

        var plan = ResyncPlan.Build(replica, [], unified: true);

        Assert.Equal(500, plan.Removed);
        Assert.Equal(1000, plan.ReplicaCount);
        Assert.False(plan.RemovesTooMuch(50, 1000));
        Assert.True(plan.RemovesTooMuch(49, 1000));
    }
}
