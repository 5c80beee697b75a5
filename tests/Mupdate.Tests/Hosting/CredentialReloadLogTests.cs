using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Mupdate.Hosting;
using Mupdate.Sasl;
using Mupdate.Tests.Integration;
using Mupdate.Tests.Sasl;

namespace Mupdate.Tests.Hosting;

/// <summary>The log lines of <see cref="MupdateProgram.LogReload"/> for a credential file that changes under a running server.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class CredentialReloadLogTests : IDisposable
{
    private const int ReloadedEvent = 1106;
    private const int NoAdminCredentialsEvent = 1105;
    private const int DeletedEvent = 1108;
    private const int EmptyEvent = 1109;

    private static readonly IReadOnlySet<string> Admins = new HashSet<string>(StringComparer.Ordinal) { "admin" };

    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _clock = new();
    private readonly RecordingLoggerFactory _logs = new();
    private readonly string _path;
    private DateTime _mtime = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public CredentialReloadLogTests()
    {
        _path = _directory.File("mupdate.credentials");
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void DeletedFileWarnsEveryLoginFails()
    {
        WriteUsers("admin");
        var store = CreateStore();

        File.Delete(_path);
        Reload(store);

        var warning = Assert.Single(_logs.Entries, e => e.EventId == DeletedEvent);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"Credential file {_path} was deleted, so every login fails", warning.Message, StringComparison.Ordinal);
        Assert.Single(_logs.Entries, e => e.EventId == ReloadedEvent);
        Assert.DoesNotContain(_logs.Entries, e => e.EventId == NoAdminCredentialsEvent);
    }

    [Fact]
    public void EmptyFileWarnsEveryLoginFails()
    {
        WriteUsers("admin");
        var store = CreateStore();

        WriteUsers();
        Reload(store);

        var warning = Assert.Single(_logs.Entries, e => e.EventId == EmptyEvent);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"Credential file {_path} has no users, so every login fails", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Entries, e => e.EventId == DeletedEvent);
    }

    [Fact]
    public void ReloadWithoutAdminWarns()
    {
        WriteUsers("admin", "bob");
        var store = CreateStore();

        WriteUsers("bob");
        Reload(store);

        var warning = Assert.Single(_logs.Entries, e => e.EventId == NoAdminCredentialsEvent);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(_path, warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Entries, e => e.EventId is DeletedEvent or EmptyEvent);
    }

    [Fact]
    public void ReloadWithAdminLogsInformationOnly()
    {
        WriteUsers("admin");
        var store = CreateStore();

        WriteUsers("admin", "bob");
        Reload(store);

        var reloaded = Assert.Single(_logs.Entries);
        Assert.Equal(ReloadedEvent, reloaded.EventId);
        Assert.Equal(LogLevel.Information, reloaded.Level);
        Assert.Equal($"Reloaded credentials from {_path}: 2 users", reloaded.Message);
    }

    [Fact]
    public void RecreatedDirectoryFailsReload()
    {
        WriteUsers("admin");
        var store = CreateStore();

        File.Delete(_path);
        Directory.CreateDirectory(_path);
        Reload(store);

        var failure = Assert.Single(_logs.Entries);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Equal(
            $"Reloading credentials from {_path} failed, keeping the previous ones: it is a directory, not a file",
            failure.Message);
        Assert.NotNull(store.Current.Find("admin"));
    }

    private CredentialFileStore CreateStore()
    {
        var store = new CredentialFileStore(_path, _clock);
        var logger = _logs.CreateLogger("Mupdate.Hosting");
        store.Reloaded += (_, e) => MupdateProgram.LogReload(logger, Admins, e);
        return store;
    }

    private void Reload(CredentialFileStore store)
    {
        _clock.Advance(CredentialFileStore.CheckInterval);
        store.Find("admin");
    }

    private void WriteUsers(params string[] names)
    {
        var file = CredentialFile.CreateEmpty(_path);
        foreach (var name in names)
        {
            file.Set(UserCredential.Create(name, "pencil"));
        }

        file.Save();
        _mtime = _mtime.AddSeconds(1);
        File.SetLastWriteTimeUtc(_path, _mtime);
    }
}
