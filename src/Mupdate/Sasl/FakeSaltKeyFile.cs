using System.Security.Cryptography;
using System.Text;
using Mupdate.IO;

namespace Mupdate.Sasl;

/// <summary>
/// The file that keeps the secret key of the salts SCRAM sends for unknown users (see
/// <see cref="ICredentialStore.FakeSaltKey"/>). A key that survives restarts keeps those salts stable, so two
/// server-first-messages from before and after a restart do not tell an unknown user from a real one, whose
/// salt is stored. The file is mode 0600, like the credential file, and contains a comment line and one line of
/// base64 with <see cref="KeyLength"/> random bytes.
/// </summary>
public static class FakeSaltKeyFile
{
    /// <summary>The key length in bytes: the output length of HMAC-SHA-256, which derives the salts.</summary>
    public const int KeyLength = 32;

    /// <summary>The file name suffix that <see cref="PathFor"/> appends to the credential file's path.</summary>
    public const string Suffix = ".saltkey";

    private const string Header =
        "# Key of the SCRAM salts mupdate sends for unknown users. Keep it secret. If it is deleted, mupdate creates a new one.";

    /// <summary>Returns the key file's path for the credential file at <paramref name="credentialPath"/>.</summary>
    public static string PathFor(string credentialPath) => credentialPath + Suffix;

    /// <summary>Reads the key at <paramref name="path"/>, or returns null when the file does not exist.</summary>
    /// <exception cref="CredentialFileException">
    /// The file is readable or writable by group or others, or does not contain a key. The message never quotes
    /// the file's content.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read, or is a directory.</exception>
    /// <exception cref="UnauthorizedAccessException">This process may not read the file or search its directory.</exception>
    public static byte[]? Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new IOException("it is a directory, not a file");
        }

        byte[] content;
        try
        {
            CredentialFile.CheckMode(path, "salt key file");
            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return Parse(path, content);
    }

    /// <summary>
    /// Creates the file with a new random key and returns the key. When another process created the file
    /// first, returns the key in that file instead.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">This process may not create files in the directory.</exception>
    /// <exception cref="CredentialFileException">The file another process created is unsafe or invalid.</exception>
    public static byte[] Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] key = RandomNumberGenerator.GetBytes(KeyLength);
        byte[] content = Encoding.ASCII.GetBytes($"{Header}\n{Convert.ToBase64String(key)}\n");
        try
        {
            // Without overwrite, so that of two processes creating the file at once, both use the first key.
            PrivateFile.WriteAtomically(path, content, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            CryptographicOperations.ZeroMemory(key);
            return Load(path) ?? throw new IOException($"{path} disappeared while it was being created");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    private static byte[] Parse(string path, byte[] content)
    {
        string? keyLine = Encoding.ASCII.GetString(content)
            .Split('\n')
            .Select(line => line.Trim())
            .FirstOrDefault(line => line.Length > 0 && !line.StartsWith('#'));
        if (keyLine is null || !ScramText.TryDecodeBase64(keyLine, out byte[]? key) || key.Length != KeyLength)
        {
            throw new CredentialFileException(
                $"salt key file {path} does not contain a key of {KeyLength} bytes in base64. Delete it, and mupdate "
                + "creates a new one at its next start",
                path,
                null,
                isUnsafeMode: false);
        }

        return key;
    }
}
