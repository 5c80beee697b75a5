namespace Mupdate.Sasl;

/// <summary>The SCRAM secrets of one user. At least one of the two secrets is present.</summary>
public sealed class UserCredential
{
    /// <summary>Creates a credential from existing secrets.</summary>
    /// <exception cref="ArgumentException">
    /// The user name is not a valid SASLprep'd name, both secrets are null, or a key has the wrong length for
    /// its hash (20 bytes for SHA-1, 32 for SHA-256).
    /// </exception>
    public UserCredential(string userName, ScramSecret? sha1, ScramSecret? sha256)
    {
        ArgumentNullException.ThrowIfNull(userName);
        if (!CredentialUserName.IsValidPrepared(userName))
        {
            throw new ArgumentException(
                "the user name must be valid and in SASLprep form, as CredentialUserName.TryPrepare returns it",
                nameof(userName));
        }

        if (sha1 is null && sha256 is null)
        {
            throw new ArgumentException("a credential needs a SCRAM-SHA-1 or SCRAM-SHA-256 secret");
        }

        CheckKeyLength(sha1, ScramAlgorithm.Sha1, nameof(sha1));
        CheckKeyLength(sha256, ScramAlgorithm.Sha256, nameof(sha256));
        UserName = userName;
        Sha1 = sha1;
        Sha256 = sha256;
    }

    /// <summary>The SASLprep'd user name.</summary>
    public string UserName { get; }

    /// <summary>The SCRAM-SHA-1 secret, or null.</summary>
    public ScramSecret? Sha1 { get; }

    /// <summary>The SCRAM-SHA-256 secret, or null.</summary>
    public ScramSecret? Sha256 { get; }

    /// <summary>
    /// Creates a credential with a SCRAM-SHA-256 and a SCRAM-SHA-1 secret for <paramref name="password"/>, each
    /// with its own random salt.
    /// </summary>
    /// <param name="userName">A user name, which is SASLprep'd and checked by <see cref="CredentialUserName"/>.</param>
    /// <param name="password">The password, which is SASLprep'd as a stored string.</param>
    /// <param name="iterations">The iteration count, from 4096 to 65536.</param>
    /// <exception cref="ArgumentException">The user name or the password is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The iteration count is out of range.</exception>
    public static UserCredential Create(string userName, string password, int iterations = ScramSecret.DefaultIterations)
    {
        if (!CredentialUserName.TryPrepare(userName, out string? preparedName, out string? error))
        {
            throw new ArgumentException(error, nameof(userName));
        }

        return new UserCredential(
            preparedName,
            ScramSecret.Create(ScramHash.Sha1, password, iterations),
            ScramSecret.Create(ScramHash.Sha256, password, iterations));
    }

    /// <summary>Returns the secret for <paramref name="hash"/>, or null.</summary>
    public ScramSecret? GetSecret(ScramHash hash) => hash == ScramHash.Sha256 ? Sha256 : Sha1;

    /// <summary>Returns the user name only, so that a log line never shows key material.</summary>
    public override string ToString() => $"UserCredential({UserName})";

    private static void CheckKeyLength(ScramSecret? secret, ScramAlgorithm algorithm, string parameterName)
    {
        if (secret is not null
            && (secret.StoredKey.Length != algorithm.HashLength || secret.ServerKey.Length != algorithm.HashLength))
        {
            throw new ArgumentException(
                $"{algorithm.MechanismName} keys must be {algorithm.HashLength} bytes",
                parameterName);
        }
    }
}
