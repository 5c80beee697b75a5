namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// A fresh directory <c>ROOT/mupdate-interop-XXXXXX</c>, removed on Dispose. ROOT is
/// <c>MUPDATE_INTEROP_TMPDIR</c> if set, else /dev/shm when it exists (tmpfs), else the system
/// temp directory. tmpfs matters: Cyrus 3.6 syncs its databases to disk on every commit, and on
/// this machine's ext4 disk, under load, 10,000 mailboxes took 11 to 22 s to write instead of
/// about 0.5 s on tmpfs.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Overrides the directory the instance directories are created in.</summary>
    public const string RootVariable = "MUPDATE_INTEROP_TMPDIR";

    /// <summary>Set to 1 to keep the directories of a run for inspection.</summary>
    public const string KeepVariable = "MUPDATE_INTEROP_KEEP";

    private const int UnixSocketPathMax = 107;
    private const string SharedMemory = "/dev/shm";

    /// <summary>Creates the directory under <paramref name="root"/>, or under the default ROOT when null.</summary>
    public TempDirectory(string? root = null)
    {
        Path = CreateUnique(root ?? Root());
        var kickSocket = System.IO.Path.Combine(Path, "conf", "socket", "mupdate.target");
        if (kickSocket.Length > UnixSocketPathMax)
        {
            Directory.Delete(Path, recursive: true);
            throw new InvalidOperationException(
                $"temp directory {Path} is too deep: the kick socket path {kickSocket} exceeds the "
                + $"{UnixSocketPathMax}-byte sun_path limit; set {RootVariable} to a short path such as /tmp");
        }
    }

    public string Path { get; }

    /// <summary>
    /// Creates the directory under the system temp directory (TMPDIR, else /tmp), for tests whose
    /// point is what reaches the disk. NOTE: on a host where /tmp is tmpfs this is memory too.
    /// </summary>
    public static TempDirectory CreateOnDisk() => new(System.IO.Path.GetTempPath());

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable(KeepVariable) == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static string Root()
    {
        if (Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } root)
        {
            return root;
        }

        return Directory.Exists(SharedMemory) ? SharedMemory : System.IO.Path.GetTempPath();
    }

    private static string CreateUnique(string root)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var suffix = System.IO.Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal)[..6];
            var candidate = System.IO.Path.Combine(root, "mupdate-interop-" + suffix);
            if (Directory.Exists(candidate) || File.Exists(candidate))
            {
                continue;
            }

            // Owner-only until the instance hands the tree to cyrus:mail.
            var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            return Directory.CreateDirectory(candidate, ownerOnly).FullName;
        }

        throw new IOException($"could not create a unique directory under {root}");
    }
}
