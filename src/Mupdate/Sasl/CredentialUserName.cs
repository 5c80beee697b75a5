using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Mupdate.Sasl;

/// <summary>The rules for user names in the credential file.</summary>
public static class CredentialUserName
{
    /// <summary>The maximum length of a user name in UTF-8 bytes, which is also the PLAIN authcid limit.</summary>
    public const int MaxLength = 255;

    /// <summary>
    /// Prepares <paramref name="name"/> with SASLprep as a stored string and checks that the result is 1 to 255
    /// UTF-8 bytes, contains no whitespace or control character, and does not start with "#", which would make
    /// its line a comment.
    /// </summary>
    /// <param name="name">The name as typed.</param>
    /// <param name="prepared">The SASLprep'd name.</param>
    /// <param name="error">Why the name is invalid, as a sentence that does not quote the name.</param>
    public static bool TryPrepare(
        string name,
        [NotNullWhen(true)] out string? prepared,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(name);
        prepared = null;

        if (!SaslPrep.TryPrepare(name, allowUnassigned: false, out string? candidate, out string? prepError))
        {
            error = $"the user name {prepError}";
            return false;
        }

        error = Check(candidate);
        if (error is not null)
        {
            return false;
        }

        prepared = candidate;
        return true;
    }

    /// <summary>Returns whether <paramref name="name"/> is valid and already in SASLprep form.</summary>
    public static bool IsValidPrepared(string name) =>
        TryPrepare(name, out string? prepared, out _) && string.Equals(prepared, name, StringComparison.Ordinal);

    private static string? Check(string name)
    {
        if (name.Length == 0)
        {
            return "the user name is empty";
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxLength)
        {
            return $"the user name is longer than {MaxLength} bytes in UTF-8";
        }

        if (name[0] == '#')
        {
            return "the user name starts with '#', which marks a comment in the credential file";
        }

        foreach (char c in name)
        {
            if (char.IsWhiteSpace(c))
            {
                return "the user name contains whitespace";
            }

            if (char.IsControl(c))
            {
                return "the user name contains a control character";
            }
        }

        return null;
    }
}
