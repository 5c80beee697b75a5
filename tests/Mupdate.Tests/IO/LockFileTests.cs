using System.Globalization;
using System.Runtime.Versioning;
using Mupdate.IO;

namespace Mupdate.Tests.IO;

[UnsupportedOSPlatform("windows")]
public sealed class LockFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mupdate-lock-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LockPath => Path.Combine(_directory, "test.lock");

    private static string OwnPid => Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void HeldLockNamesHolderPid()
    {
        // flock(2) locks belong to an open file description, so a second open in this process conflicts too.
        using var first = LockFile.TryAcquire(LockPath, out _);

        var second = LockFile.TryAcquire(LockPath, out var holder);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal(OwnPid, holder);
    }

    [Fact]
    public void AcquireTimeoutNamesHolderPid()
    {
        using var first = LockFile.TryAcquire(LockPath, out _);

        var exception = Assert.Throws<IOException>(() => LockFile.Acquire(LockPath, TimeSpan.FromMilliseconds(100)));

        Assert.Contains($"locked by process {OwnPid} ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FreeLockRecordsOwnPid()
    {
        using (var acquired = LockFile.TryAcquire(LockPath, out var holder))
        {
            Assert.NotNull(acquired);
            Assert.Null(holder);
        }

        Assert.Equal(OwnPid + "\n", File.ReadAllText(LockPath));
    }

    [Fact]
    public void ReleasedLockCanBeTakenAgain()
    {
        LockFile.TryAcquire(LockPath, out _)!.Dispose();

        using var again = LockFile.TryAcquire(LockPath, out var holder);

        Assert.NotNull(again);
        Assert.Null(holder);
    }
}
