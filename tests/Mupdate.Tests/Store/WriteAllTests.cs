using Mupdate.Store;

namespace Mupdate.Tests.Store;

public sealed class WriteAllTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mupdate-writeall-").FullName;

    private string DatabasePath => Path.Combine(_directory, "mupdate.sqlite3");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact(Timeout = 20_000)]
    public async Task SnapshotsSeeAllOrNothing()
    {
        const int Count = 3000;
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        await store.WriteAsync(WriteRequest.Activate("user.old", "be1!p", ""));
        var writes = Enumerable.Range(0, Count)
            .Select(i => WriteRequest.Put(MailboxRecord.Active($"user.n{i:D5}", "be2!p", "")))
            .Append(WriteRequest.Remove("user.old"))
            .ToArray();

        var seen = new HashSet<int>();
        var write = store.WriteAllAsync(writes);
        while (!write.IsCompleted)
        {
            using var snapshot = store.OpenSnapshot();
            var names = snapshot.List().Select(r => r.Name).ToList();
            seen.Add(names.Count);
            Assert.True(
                names is ["user.old"] || (names.Count == Count && !names.Contains("user.old")),
                $"a snapshot saw {names.Count} entries, a partial resync");
        }

        var result = await write;
        using var after = store.OpenSnapshot();

        Assert.Equal(WriteStatus.Applied, result.Status);
        Assert.Equal(Count + 2, result.Revision);
        Assert.Equal(Count + 2, store.Revision);
        Assert.Equal(Count, after.List().Count());
        Assert.Null(after.Find("user.old"));
        Assert.True(seen.Count <= 2, $"snapshots saw these sizes: {string.Join(", ", seen)}");
    }

    [Fact(Timeout = 10_000)]
    public async Task StateValuesAreReadable()
    {
        await using (var store = SqliteMailboxStore.Open(DatabasePath))
        {
            Assert.Null(store.ReadState("replica_synced_ms"));

            var put = WriteRequest.Put(MailboxRecord.Active("user.a", "be1!p", ""));
            await store.WriteAllAsync([put], new Dictionary<string, long> { ["replica_synced_ms"] = 1234, ["other"] = -7 });

            Assert.Equal(1234, store.ReadState("replica_synced_ms"));
            Assert.Equal(-7, store.ReadState("other"));
            Assert.Null(store.ReadState("missing"));

            var unchanged = await store.WriteAllAsync([], new Dictionary<string, long> { ["replica_synced_ms"] = 5678 });
            Assert.Equal(WriteStatus.Unchanged, unchanged.Status);
            Assert.Equal(5678, store.ReadState("replica_synced_ms"));
        }

        await using var reopened = SqliteMailboxStore.Open(DatabasePath);

        Assert.Equal(5678, reopened.ReadState("replica_synced_ms"));
        Assert.Equal(-7, reopened.ReadState("other"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ChangesPublishedInRequestOrder()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        await store.WriteAsync(WriteRequest.Activate("user.z", "be1!p", ""));
        var subscriber = new ChangeRecorder();
        using var subscription = store.Subscribe(subscriber, out var snapshot);
        snapshot.Dispose();

        var zMoved = MailboxRecord.Active("user.z", "be2!p", "");
        var reservedA = MailboxRecord.Reserved("user.a", "be3!p");
        var activeM = MailboxRecord.Active("user.m", "be1!p", "m\tall\t");
        var result = await store.WriteAllAsync(
        [
            WriteRequest.Put(zMoved),
            WriteRequest.Put(reservedA),
            WriteRequest.Remove("user.none"),
            WriteRequest.Put(activeM),
            WriteRequest.Remove("user.a"),
        ]);

        Assert.Equal(WriteStatus.Applied, result.Status);
        Assert.Equal(5, result.Revision);
        var changes = subscriber.Snapshot();
        Assert.Equal([2L, 3L, 4L, 5L], changes.Select(c => c.Revision));
        Assert.Equal(["user.z", "user.a", "user.m", "user.a"], changes.Select(c => c.Name));
        Assert.Equal(MailboxRecord.Active("user.z", "be1!p", ""), changes[0].Previous);
        Assert.Equal(zMoved, changes[0].Current);
        Assert.Null(changes[1].Previous);
        Assert.Equal(reservedA, changes[1].Current);
        Assert.Equal(activeM, changes[2].Current);
        Assert.Equal(reservedA, changes[3].Previous);
        Assert.Null(changes[3].Current);
    }

    [Fact(Timeout = 10_000)]
    public async Task UnchangedPutsPublishNothing()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        var record = MailboxRecord.Active("user.a", "be1!p", "");
        await store.WriteAllAsync([WriteRequest.Put(record)]);
        var subscriber = new ChangeRecorder();
        using var subscription = store.Subscribe(subscriber, out var snapshot);
        snapshot.Dispose();

        var result = await store.WriteAllAsync([WriteRequest.Put(record), WriteRequest.Remove("user.none")]);

        Assert.Equal(WriteStatus.Unchanged, result.Status);
        Assert.Equal(1, store.Revision);
        Assert.Empty(subscriber.Snapshot());
    }

    [Theory]
    [InlineData(WriteKind.Activate)]
    [InlineData(WriteKind.Reserve)]
    [InlineData(WriteKind.Deactivate)]
    [InlineData(WriteKind.Delete)]
    public async Task RejectsOtherKinds(WriteKind kind)
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        var put = WriteRequest.Put(MailboxRecord.Active("user.a", "be1!p", ""));
        var other = new WriteRequest(kind, "user.b", "be1!p");

        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAllAsync([put, other]));

        Assert.Null(store.Find("user.a"));
        Assert.Equal(0, store.Revision);
    }

    private sealed class ChangeRecorder : IChangeSubscriber
    {
        private readonly Lock _lock = new();
        private readonly List<MailboxChange> _changes = [];

        public bool TryDeliver(MailboxChange change)
        {
            lock (_lock)
            {
                _changes.Add(change);
                return true;
            }
        }

        public List<MailboxChange> Snapshot()
        {
            lock (_lock)
            {
                return [.. _changes];
            }
        }
    }
}
