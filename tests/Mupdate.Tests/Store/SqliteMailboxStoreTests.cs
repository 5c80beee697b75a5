using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Tests.Store;

public sealed class SqliteMailboxStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mupdate-store-").FullName;

    private string DatabasePath => Path.Combine(_directory, "mupdate.sqlite3");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WritesSurviveReopen()
    {
        await using (var store = SqliteMailboxStore.Open(DatabasePath))
        {
            Assert.Equal(WriteStatus.Applied, (await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", "a\tlrs\t"))).Status);
            Assert.Equal(WriteStatus.Applied, (await store.WriteAsync(WriteRequest.Reserve("user.b", "be2!p"))).Status);
            Assert.Equal(WriteStatus.Applied, (await store.WriteAsync(WriteRequest.Activate("user.c", "be1!p", ""))).Status);
            Assert.Equal(WriteStatus.Applied, (await store.WriteAsync(WriteRequest.Delete("user.c"))).Status);
        }

        await using var reopened = SqliteMailboxStore.Open(DatabasePath);

        Assert.Equal(4, reopened.Revision);
        Assert.Equal(MailboxRecord.Active("user.a", "be1!p", "a\tlrs\t"), reopened.Find("user.a"));
        Assert.Equal(MailboxRecord.Reserved("user.b", "be2!p"), reopened.Find("user.b"));
        Assert.Null(reopened.Find("user.c"));
    }

    [Fact]
    public async Task RevisionsIncreaseByOnePerChange()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);

        var first = await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
        var unchanged = await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
        var rejected = await store.WriteAsync(WriteRequest.Delete("user.missing"));
        var second = await store.WriteAsync(WriteRequest.Activate("user.a", "be2!p", ""));

        Assert.Equal(1, first.Revision);
        Assert.Equal(WriteStatus.Unchanged, unchanged.Status);
        Assert.Equal(WriteStatus.Rejected, rejected.Status);
        Assert.Equal(2, second.Revision);
        Assert.Equal(2, store.Revision);
    }

    [Fact]
    public async Task ListUsesMailboxesDbOrder()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        foreach (var name in new[] { "user.t.a-b", "user.t.a b", "user.t", "user.t.a.b", "user.t.a" })
        {
            await store.WriteAsync(WriteRequest.Activate(name, "be1!p", ""));
        }

        using var snapshot = store.OpenSnapshot();
        var names = snapshot.List().Select(r => r.Name).ToArray();

        Assert.Equal(["user.t", "user.t.a", "user.t.a.b", "user.t.a b", "user.t.a-b"], names);
    }

    [Fact]
    public async Task ListFiltersByRawLocationPrefix()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
        await store.WriteAsync(WriteRequest.Activate("user.b", "be10!p", ""));
        await store.WriteAsync(WriteRequest.Activate("user.c", "be2!p", ""));

        using var snapshot = store.OpenSnapshot();

        Assert.Equal(["user.a", "user.b"], snapshot.List("be1").Select(r => r.Name));
        Assert.Equal(["user.a"], snapshot.List("be1!").Select(r => r.Name));
    }

    [Fact]
    public async Task SnapshotIgnoresLaterWrites()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));

        using var snapshot = store.OpenSnapshot();
        await store.WriteAsync(WriteRequest.Activate("user.b", "be1!p", ""));
        await store.WriteAsync(WriteRequest.Delete("user.a"));

        Assert.Equal(1, snapshot.Revision);
        Assert.Equal(["user.a"], snapshot.List().Select(r => r.Name));
        Assert.NotNull(snapshot.Find("user.a"));
        Assert.Null(store.Find("user.a"));
    }

    [Fact]
    public async Task SubscriberGetsEveryChangeAfterSnapshot()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
        var subscriber = new RecordingSubscriber();

        using var subscription = store.Subscribe(subscriber, out var snapshot);
        var snapshotRevision = snapshot.Revision;
        snapshot.Dispose();
        await store.WriteAsync(WriteRequest.Reserve("user.b", "be2!p"));
        await store.WriteAsync(WriteRequest.Delete("user.a"));

        var changes = subscriber.Changes.Where(c => c.Revision > snapshotRevision).ToArray();
        Assert.Equal(2, changes.Length);
        Assert.Equal(MailboxRecord.Reserved("user.b", "be2!p"), changes[0].Current);
        Assert.Null(changes[0].Previous);
        Assert.Equal("user.a", changes[1].Name);
        Assert.Null(changes[1].Current);
        Assert.NotNull(changes[1].Previous);
    }

    [Fact]
    public async Task ChangeIsPublishedBeforeWriteCompletes()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        var subscriber = new RecordingSubscriber();
        using var subscription = store.Subscribe(subscriber, out var snapshot);
        snapshot.Dispose();

        var result = await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));

        Assert.Contains(subscriber.Changes, c => c.Revision == result.Revision);
    }

    [Fact]
    public async Task FullSubscriberIsDroppedOthersContinue()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        var full = new RecordingSubscriber { Capacity = 1 };
        var healthy = new RecordingSubscriber();
        using var a = store.Subscribe(full, out var s1);
        using var b = store.Subscribe(healthy, out var s2);
        s1.Dispose();
        s2.Dispose();

        for (var i = 0; i < 5; i++)
        {
            await store.WriteAsync(WriteRequest.Activate($"user.{i}", "be1!p", ""));
        }

        Assert.Single(full.Changes);
        Assert.Equal(2, full.Attempts);
        Assert.Equal(5, healthy.Changes.Count);
        Assert.Equal(1, store.SubscriberCount);
    }

    [Fact]
    public async Task ConcurrentWritesAreBatchedInOrder()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath, new MailboxStoreOptions { CommitBatchMax = 64 });
        var subscriber = new RecordingSubscriber();
        using var subscription = store.Subscribe(subscriber, out var snapshot);
        snapshot.Dispose();

        var writes = Enumerable.Range(0, 500)
            .Select(i => store.WriteAsync(WriteRequest.Activate($"user.u{i:D4}", "be1!p", "")))
            .ToArray();
        var results = await Task.WhenAll(writes);

        Assert.All(results, r => Assert.Equal(WriteStatus.Applied, r.Status));
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), results.Select(r => r.Revision).Order());
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), subscriber.Changes.Select(c => c.Revision));
        Assert.Equal(500, store.Revision);
    }

    [Fact]
    public async Task BatchSeesEarlierWritesOfSameBatch()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath, new MailboxStoreOptions { CommitBatchMax = 64 });

        var reserve = store.WriteAsync(WriteRequest.Reserve("user.x", "be1!p"));
        var conflicting = store.WriteAsync(WriteRequest.Reserve("user.x", "be2!p"));
        var activate = store.WriteAsync(WriteRequest.Activate("user.x", "be1!p", "x\tlrs\t"));
        var deactivate = store.WriteAsync(WriteRequest.Deactivate("user.x", "be1!p"));
        var deactivateAgain = store.WriteAsync(WriteRequest.Deactivate("user.x", "be1!p"));

        Assert.Equal(WriteStatus.Applied, (await reserve).Status);
        Assert.Equal(WireText.MailboxAlreadyExists, (await conflicting).Reason);
        Assert.Equal(WriteStatus.Applied, (await activate).Status);
        Assert.Equal(WriteStatus.Applied, (await deactivate).Status);
        Assert.Equal(WireText.MailboxNotActive, (await deactivateAgain).Reason);
        Assert.Equal(MailboxRecord.Reserved("user.x", "be1!p"), store.Find("user.x"));
    }

    [Fact]
    public async Task DatabaseIsInWalMode()
    {
        await using (var store = SqliteMailboxStore.Open(DatabasePath))
        {
            await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
        }

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task NewerSchemaIsRefused()
    {
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            await command.ExecuteNonQueryAsync();
        }

        var error = Assert.Throws<InvalidDataException>(() => SqliteMailboxStore.Open(DatabasePath));

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingSubscriber : IChangeSubscriber
    {
        private readonly Lock _lock = new();

        public int Capacity { get; init; } = int.MaxValue;

        public List<MailboxChange> Changes { get; } = [];

        public int Attempts { get; private set; }

        public bool TryDeliver(MailboxChange change)
        {
            lock (_lock)
            {
                Attempts++;
                if (Changes.Count >= Capacity)
                {
                    return false;
                }

                Changes.Add(change);
                return true;
            }
        }
    }
}
