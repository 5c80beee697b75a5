using System.Text;
using Mupdate.IO;

namespace Mupdate.Sasl;

/// <summary>
/// The credential file: one user a line with salted, iterated SCRAM secrets and never a password. Lines starting
/// with "#" and blank lines are ignored. See <see cref="CredentialFileFormat"/> for the line syntax.
/// </summary>
/// <remarks>
/// Like ssh with private keys, <see cref="Load"/> rejects a file that its group or other users may read or write.
/// <see cref="Save"/> replaces the file atomically with a 0600 copy, keeps users in insertion order and drops
/// comments. An instance is safe for concurrent <see cref="Find"/> calls as long as no thread changes it.
/// </remarks>
public sealed class CredentialFile : ICredentialStore
{
    private const UnixFileMode UnsafeModes =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private static readonly UTF8Encoding StrictUtf8 = new(
        encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true);

    private readonly List<UserCredential> _users = [];
    private readonly Dictionary<string, int> _indexByName = new(StringComparer.Ordinal);

    private CredentialFile(string path, bool exists)
    {
        Path = path;
        Exists = exists;
    }

    /// <summary>The path the file was loaded from and is saved to.</summary>
    public string Path { get; }

    /// <summary>Whether the file existed when it was loaded. A missing file loads as an empty store.</summary>
    public bool Exists { get; private set; }

    /// <summary>The users in file order.</summary>
    public IReadOnlyList<UserCredential> Users => _users;

    /// <summary>Reads the credential file at <paramref name="path"/>, or returns an empty one if it is missing.</summary>
    /// <exception cref="CredentialFileException">
    /// The file is group- or world-readable or writable, or a line is malformed. The message names the file and
    /// line and never quotes a secret.
    /// </exception>
    /// <exception cref="IOException">
    /// The file cannot be read, or is a directory (with the message "it is a directory, not a file").
    /// </exception>
    /// <exception cref="UnauthorizedAccessException">This process may not read the file or search its directory.</exception>
    public static CredentialFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // Checked first: a directory would fail the mode check below for its usual 0755, with a misleading message.
        if (Directory.Exists(path))
        {
            throw new IOException("it is a directory, not a file");
        }

        byte[] content;
        try
        {
            CheckMode(path, "credential file");
            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new CredentialFile(path, exists: false);
        }

        return Parse(path, content);
    }

    /// <summary>Creates an empty, not yet saved credential file for <paramref name="path"/>.</summary>
    public static CredentialFile CreateEmpty(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new CredentialFile(path, exists: false);
    }

    /// <inheritdoc/>
    public UserCredential? Find(string userName) =>
        _indexByName.TryGetValue(userName, out int index) ? _users[index] : null;

    /// <summary>Returns whether <paramref name="userName"/>, a SASLprep'd name, has an entry.</summary>
    public bool Contains(string userName) => _indexByName.ContainsKey(userName);

    /// <summary>Adds <paramref name="credential"/>, or replaces the user's entry in place. Not saved yet.</summary>
    public void Set(UserCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if (_indexByName.TryGetValue(credential.UserName, out int index))
        {
            _users[index] = credential;
            return;
        }

        _indexByName[credential.UserName] = _users.Count;
        _users.Add(credential);
    }

    /// <summary>Removes <paramref name="userName"/> and returns whether it had an entry. Not saved yet.</summary>
    public bool Remove(string userName)
    {
        if (!_indexByName.Remove(userName, out int index))
        {
            return false;
        }

        _users.RemoveAt(index);
        for (int i = index; i < _users.Count; i++)
        {
            _indexByName[_users[i].UserName] = i;
        }

        return true;
    }

    /// <summary>
    /// Writes the users to <see cref="Path"/> atomically: into a new 0600 file in the same directory, flushed to
    /// disk, then renamed over the old file, so a reader sees the old or the new content and nothing between.
    /// </summary>
    /// <remarks>
    /// NOTE: the directory is not fsynced after the rename, because .NET has no portable call for it, so a power
    /// loss right after Save can bring back the old file (never a partial one).
    /// </remarks>
    /// <exception cref="IOException">The file cannot be written or renamed.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public void Save()
    {
        var text = new StringBuilder(CredentialFileFormat.Header).Append('\n');
        foreach (UserCredential user in _users)
        {
            text.Append(CredentialFileFormat.FormatLine(user)).Append('\n');
        }

        PrivateFile.WriteAtomically(Path, StrictUtf8.GetBytes(text.ToString()), overwrite: true);
        Exists = true;
    }

    internal static CredentialFile Parse(string path, byte[] content)
    {
        var file = new CredentialFile(path, exists: true);
        var firstLineByName = new Dictionary<string, int>(StringComparer.Ordinal);
        ReadOnlySpan<byte> remaining = content;
        if (remaining.StartsWith("\uFEFF"u8))
        {
            remaining = remaining[3..];
        }

        for (int lineNumber = 1; !remaining.IsEmpty; lineNumber++)
        {
            int end = remaining.IndexOf((byte)'\n');
            ReadOnlySpan<byte> lineBytes = end < 0 ? remaining : remaining[..end];
            remaining = end < 0 ? [] : remaining[(end + 1)..];
            if (lineBytes.EndsWith("\r"u8))
            {
                lineBytes = lineBytes[..^1];
            }

            UserCredential? credential = ParseLine(path, lineNumber, lineBytes);
            if (credential is null)
            {
                continue;
            }

            if (!firstLineByName.TryAdd(credential.UserName, lineNumber))
            {
                int firstLine = firstLineByName[credential.UserName];
                throw SyntaxError(path, lineNumber, $"the user on this line is already on line {firstLine}");
            }

            file.Set(credential);
        }

        return file;
    }

    private static UserCredential? ParseLine(string path, int lineNumber, ReadOnlySpan<byte> lineBytes)
    {
        string line;
        try
        {
            line = StrictUtf8.GetString(lineBytes);
        }
        catch (DecoderFallbackException)
        {
            throw SyntaxError(path, lineNumber, "the line is not valid UTF-8");
        }

        if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            return CredentialFileFormat.ParseLine(line);
        }
        catch (FormatException ex)
        {
            throw SyntaxError(path, lineNumber, ex.Message);
        }
    }

    /// <summary>
    /// Throws when group or others may read or write <paramref name="path"/>, naming it as
    /// <paramref name="description"/> (such as "credential file").
    /// </summary>
    internal static void CheckMode(string path, string description)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        UnixFileMode mode = File.GetUnixFileMode(path);
        if ((mode & UnsafeModes) != 0)
        {
            throw new CredentialFileException(
                $"{description} {path} is readable or writable by group or others (mode "
                + $"{Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0')}). Run \"chmod 600 {path}\" to fix it.",
                path,
                null,
                isUnsafeMode: true);
        }
    }

    private static CredentialFileException SyntaxError(string path, int lineNumber, string message) =>
        new($"{path}:{lineNumber}: {message}", path, lineNumber, isUnsafeMode: false);
}
