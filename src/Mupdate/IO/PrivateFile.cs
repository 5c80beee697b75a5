using System.Security.Cryptography;

namespace Mupdate.IO;

/// <summary>Writes files that only their owner may read or write (mode 0600), atomically.</summary>
public static class PrivateFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes <paramref name="content"/> into a new 0600 file in the directory of <paramref name="path"/>, flushes
    /// it to disk and renames it to <paramref name="path"/>, so a reader sees the old or the new content and
    /// nothing between. Without <paramref name="overwrite"/>, an existing file is kept and the call throws.
    /// </summary>
    /// <remarks>
    /// NOTE: the directory is not fsynced after the rename, because .NET has no portable call for it, so a power
    /// loss right after the call can bring back the old file (never a partial one).
    /// </remarks>
    /// <exception cref="IOException">
    /// The file cannot be written or renamed, or it exists and <paramref name="overwrite"/> is false.
    /// </exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        string tempPath = Path.Combine(
            directory,
            $".{Path.GetFileName(fullPath)}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp");

        try
        {
            WriteTempFile(tempPath, content);
            File.Move(tempPath, fullPath, overwrite);
        }
        catch
        {
            DeleteQuietly(tempPath);
            throw;
        }
    }

    private static void WriteTempFile(string tempPath, ReadOnlySpan<byte> content)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        using var stream = new FileStream(tempPath, options);
        if (!OperatingSystem.IsWindows())
        {
            // The umask can only clear bits of UnixCreateMode, but set the mode explicitly so it is exactly 0600.
            File.SetUnixFileMode(stream.SafeFileHandle, OwnerReadWrite);
        }

        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    // Runs while an earlier exception propagates, so a second failure must not replace it.
    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
