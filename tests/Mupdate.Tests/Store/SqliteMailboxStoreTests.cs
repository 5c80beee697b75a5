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

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task NewDatabaseFileIsPrivate()
    {
        await using (var store = SqliteMailboxStore.Open(DatabasePath))
        {
            await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath + "-wal"));
        }
    }

    [Fact]
    public async Task CloseLeavesSelfContainedFile()
    {
        await using (var store = SqliteMailboxStore.Open(DatabasePath))
        {
            for (var i = 0; i < 50; i++)
            {
                await store.WriteAsync(WriteRequest.Activate($"user.u{i}", "be1!p", ""));
            }
        }

        var wal = new FileInfo(DatabasePath + "-wal");
        Assert.True(!wal.Exists || wal.Length == 0, $"-wal file has {(wal.Exists ? wal.Length : 0)} bytes after close");

        // A copy of the main file alone holds every change.
        var copy = Path.Combine(_directory, "copy.sqlite3");
        File.Copy(DatabasePath, copy);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={copy};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM mailboxes";
        Assert.Equal(50L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task VersionOneDatabaseIsRekeyed()
    {
        // A version 1 database keyed '^' as itself, so user.john^doe sorted after user.john2.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE mailboxes (sort_key BLOB PRIMARY KEY, name TEXT NOT NULL, reserved INTEGER NOT NULL,
                    location TEXT NOT NULL, acl TEXT NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE store_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO store_state VALUES ('revision', 2);
                INSERT INTO mailboxes VALUES (CAST('user' || char(31) || 'john^doe' AS BLOB), 'user.john^doe', 0, 'be1!p', '', 1);
                INSERT INTO mailboxes VALUES (CAST('user' || char(31) || 'john2' AS BLOB), 'user.john2', 0, 'be1!p', '', 2);
                PRAGMA user_version = 1;
                """;
            await command.ExecuteNonQueryAsync();
        }

        await using var store = SqliteMailboxStore.Open(DatabasePath);
        using var snapshot = store.OpenSnapshot();

        Assert.Equal(["user.john^doe", "user.john2"], snapshot.List().Select(r => r.Name));
        Assert.NotNull(store.Find("user.john^doe"));
        Assert.Equal(2, store.Revision);
    }

    [Fact]
    public async Task RemovedDatabaseRejectsWrites()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        await store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));

        File.Delete(DatabasePath);
        var result = await store.WriteAsync(WriteRequest.Activate("user.b", "be1!p", ""));

        Assert.Equal(WriteStatus.Failed, result.Status);
        Assert.Contains("database file was removed", result.Reason, StringComparison.Ordinal);
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
