using System.Globalization;
using System.Text;

namespace Mupdate.IO;

/// <summary>
/// An exclusive lock on a small file that records the holder's process id. .NET takes it with
/// flock(2) on Linux when a file is opened with <see cref="FileShare.None"/>, so it excludes other
/// processes of this program, and it is released when the holder exits, however it exits.
/// </summary>
public sealed class LockFile : IDisposable
{
    private readonly FileStream _file;

    private LockFile(string path, FileStream file)
    {
        Path = path;
        _file = file;
    }

    public string Path { get; }

    /// <summary>Takes the lock, or returns null with the holder's pid (when known) if another process has it.</summary>
    public static LockFile? TryAcquire(string path, out string? holder)
    {
        holder = null;
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        FileStream file;
        try
        {
            file = new FileStream(path, options);
        }
        catch (IOException exception) when (exception is not FileNotFoundException and not DirectoryNotFoundException)
        {
            holder = ReadHolder(path);
            return null;
        }

        file.SetLength(0);
        file.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
        file.Flush();
        return new LockFile(path, file);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the lock; throws <see cref="IOException"/> when it stays taken.</summary>
    public static LockFile Acquire(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var acquired = TryAcquire(path, out var holder);
            if (acquired is not null)
            {
                return acquired;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new IOException($"{path} is locked by process {holder ?? "(unknown)"} for more than {timeout.TotalSeconds:0} s");
            }

            Thread.Sleep(50);
        }
    }

    public void Dispose() => _file.Dispose();

    // Reads the pid that the holder wrote. FileStream cannot do it (see UnlockedFileReader).
    private static string? ReadHolder(string path)
    {
        var bytes = UnlockedFileReader.TryReadStart(path, 32);
        if (bytes is null)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(bytes);
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        var pid = (end < 0 ? text : text[..end]).Trim();
        return pid.Length > 0 && pid.All(char.IsAsciiDigit) ? pid : null;
    }
}
