namespace Mupdate.Sasl;

/// <summary>
/// A credential store that follows changes to the credential file. At most once per second a lookup compares the
/// file's modification time and length with those of the loaded copy, and re-reads the file when they differ.
/// </summary>
/// <remarks>
/// A file that fails to load leaves the last good copy in use, and <see cref="Reloaded"/> reports the error once
/// for that version of the file. A deleted file counts as an empty one, as at startup. All members are
/// thread-safe. A change that keeps both the modification time and the length goes unnoticed, which needs a file
/// system with a coarse clock.
/// </remarks>
public sealed class CredentialFileStore : ICredentialStore
{
    /// <summary>The minimum time between two checks of the file.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _timeProvider;
    private readonly Lock _checkLock = new();
    private volatile CredentialFile _current;
    private FileStamp _stamp;
    private long _nextCheckTicks;

    /// <summary>Loads <paramref name="path"/> now, using the system clock for the check interval.</summary>
    /// <exception cref="CredentialFileException">The file is malformed or has unsafe permissions.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public CredentialFileStore(string path)
        : this(path, TimeProvider.System)
    {
    }

    /// <summary>Loads <paramref name="path"/> now, using <paramref name="timeProvider"/> for the check interval.</summary>
    /// <exception cref="CredentialFileException">The file is malformed or has unsafe permissions.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public CredentialFileStore(string path, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Path = path;
        _timeProvider = timeProvider;
        _stamp = FileStamp.Read(path);
        _current = CredentialFile.Load(path);
        _nextCheckTicks = (timeProvider.GetUtcNow() + CheckInterval).UtcTicks;
    }

    /// <summary>
    /// Raised after a check found a changed file, on the thread that checked, outside any lock. Handlers log
    /// the result and must not throw.
    /// </summary>
    public event EventHandler<CredentialReloadEventArgs>? Reloaded;

    /// <summary>The path of the credential file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    /// <remarks>The server reads it from <see cref="FakeSaltKeyFile"/>.</remarks>
    public byte[]? FakeSaltKey { get; init; }

    /// <summary>The content in use: the last copy that loaded without error.</summary>
    public CredentialFile Current => _current;

    /// <inheritdoc/>
    public UserCredential? Find(string userName)
    {
        ReloadIfChanged(force: false);
        return _current.Find(userName);
    }

    /// <summary>
    /// Checks the file and reloads it when its modification time or length changed. Without
    /// <paramref name="force"/> the check runs only when a second has passed since the last one, and it is
    /// skipped when another thread is checking.
    /// </summary>
    public CredentialReloadResult ReloadIfChanged(bool force = true)
    {
        if (!force && !IsCheckDue())
        {
            return CredentialReloadResult.Unchanged;
        }

        if (force)
        {
            _checkLock.Enter();
        }
        else if (!_checkLock.TryEnter())
        {
            return CredentialReloadResult.Unchanged;
        }

        CredentialReloadEventArgs? change;
        try
        {
            // Another thread may have checked between IsCheckDue and taking the lock.
            change = force || IsCheckDue() ? Check() : null;
        }
        finally
        {
            _checkLock.Exit();
        }

        if (change is null)
        {
            return CredentialReloadResult.Unchanged;
        }

        Reloaded?.Invoke(this, change);
        return change.Result;
    }

    private bool IsCheckDue() => _timeProvider.GetUtcNow().UtcTicks >= Interlocked.Read(ref _nextCheckTicks);

    // Runs under _checkLock. The stamp is taken before reading, so a write during the read is seen next time.
    private CredentialReloadEventArgs? Check()
    {
        Interlocked.Exchange(ref _nextCheckTicks, (_timeProvider.GetUtcNow() + CheckInterval).UtcTicks);
        FileStamp stamp = FileStamp.Read(Path);
        if (stamp == _stamp)
        {
            return null;
        }

        _stamp = stamp;
        try
        {
            _current = CredentialFile.Load(Path);
            return new CredentialReloadEventArgs(Path, CredentialReloadResult.Reloaded, _current, null);
        }
        catch (Exception ex) when (ex is CredentialFileException or IOException or UnauthorizedAccessException)
        {
            return new CredentialReloadEventArgs(Path, CredentialReloadResult.Failed, _current, ex);
        }
    }

    private readonly record struct FileStamp(bool Exists, DateTime LastWriteTimeUtc, long Length)
    {
        public static FileStamp Read(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.LastWriteTimeUtc, info.Length) : default;
        }
    }
}
