using System.Runtime.Versioning;
using Mupdate.Sasl;

namespace Mupdate.Tests.Sasl;

[UnsupportedOSPlatform("windows")]
public sealed class CredentialFileStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _clock = new();
    private readonly string _path;
    private readonly List<CredentialReloadEventArgs> _events = [];
    private DateTime _mtime = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public CredentialFileStoreTests()
    {
        _path = _directory.File("users");
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ChangeIsSeenAfterOneSecond()
    {
        WriteUsers("alice");
        CredentialFileStore store = CreateStore();

        WriteUsers("alice", "bob");
        UserCredential? beforeInterval = store.Find("bob");
        _clock.Advance(TimeSpan.FromSeconds(1));
        UserCredential? afterInterval = store.Find("bob");

        Assert.Null(beforeInterval);
        Assert.NotNull(afterInterval);
        CredentialReloadEventArgs reload = Assert.Single(_events);
        Assert.Equal(CredentialReloadResult.Reloaded, reload.Result);
        Assert.Null(reload.Error);
        Assert.Equal(2, reload.Current.Users.Count);
    }

    [Fact]
    public void UnchangedFileIsNotReread()
    {
        WriteUsers("alice");
        CredentialFileStore store = CreateStore();
        CredentialFile first = store.Current;

        _clock.Advance(TimeSpan.FromSeconds(5));
        store.Find("alice");

        Assert.Same(first, store.Current);
        Assert.Empty(_events);
        Assert.Equal(CredentialReloadResult.Unchanged, store.ReloadIfChanged());
    }

    [Fact]
    public void BrokenFileKeepsLastGoodCopy()
    {
        WriteUsers("alice");
        CredentialFileStore store = CreateStore();

        WriteRaw("alice\tnot a secret\n");
        _clock.Advance(TimeSpan.FromSeconds(1));
        UserCredential? during = store.Find("alice");
        _clock.Advance(TimeSpan.FromSeconds(1));
        store.Find("alice");

        Assert.NotNull(during);
        CredentialReloadEventArgs failure = Assert.Single(_events);
        Assert.Equal(CredentialReloadResult.Failed, failure.Result);
        var error = Assert.IsType<CredentialFileException>(failure.Error);
        Assert.Equal(1, error.LineNumber);
        Assert.Same(store.Current, failure.Current);

        WriteUsers("carol");
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.NotNull(store.Find("carol"));
        Assert.Null(store.Find("alice"));
        Assert.Equal(CredentialReloadResult.Reloaded, _events[^1].Result);
    }

    [Fact]
    public void UnsafeModeOnReloadKeepsLastGoodCopy()
    {
        WriteUsers("alice");
        CredentialFileStore store = CreateStore();

        WriteUsers("alice", "bob");
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        CredentialReloadResult result = store.ReloadIfChanged();

        Assert.Equal(CredentialReloadResult.Failed, result);
        Assert.Null(store.Find("bob"));
        Assert.True(Assert.IsType<CredentialFileException>(_events[^1].Error).IsUnsafeMode);
    }

    [Fact]
    public void DeletedFileEmptiesStore()
    {
        WriteUsers("alice");
        CredentialFileStore store = CreateStore();

        File.Delete(_path);
        CredentialReloadResult result = store.ReloadIfChanged();

        Assert.Equal(CredentialReloadResult.Reloaded, result);
        Assert.Null(store.Find("alice"));
        Assert.False(store.Current.Exists);
    }

    [Fact]
    public void FileCreatedLaterIsLoaded()
    {
        CredentialFileStore store = CreateStore();
        bool existedAtStart = store.Current.Exists;

        WriteUsers("alice");
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.False(existedAtStart);
        Assert.NotNull(store.Find("alice"));
        Assert.True(store.Current.Exists);
    }

    [Fact]
    public void BrokenFileAtStartThrows()
    {
        WriteRaw("alice\n");

        Assert.Throws<CredentialFileException>(() => new CredentialFileStore(_path, _clock));
    }

    [Fact]
    public async Task ConcurrentLookupsDuringChanges()
    {
        WriteUsers("alice");
        CredentialFileStore store = CreateStore();
        using var stop = new CancellationTokenSource();
        int misses = 0;

        Task[] readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                store.ReloadIfChanged(force: false);
                if (store.Find("alice") is null)
                {
                    Interlocked.Increment(ref misses);
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        for (int i = 0; i < 20; i++)
        {
            WriteUsers("alice", $"user{i}");
            store.ReloadIfChanged();
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(0, misses);
        Assert.NotNull(store.Find("user19"));
        Assert.All(_events, e => Assert.Equal(CredentialReloadResult.Reloaded, e.Result));
    }

    private CredentialFileStore CreateStore()
    {
        var store = new CredentialFileStore(_path, _clock);
        store.Reloaded += (_, e) =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
        };
        return store;
    }

    private void WriteUsers(params string[] names)
    {
        CredentialFile file = CredentialFile.CreateEmpty(_path);
        foreach (string name in names)
        {
            file.Set(UserCredential.Create(name, "pencil"));
        }

        file.Save();
        BumpModificationTime();
    }

    private void WriteRaw(string content)
    {
        _directory.Write("users", content);
        BumpModificationTime();
    }

    // Every write gets a distinct modification time, so the test does not depend on the file system's clock.
    private void BumpModificationTime()
    {
        _mtime = _mtime.AddSeconds(1);
        File.SetLastWriteTimeUtc(_path, _mtime);
    }
}
