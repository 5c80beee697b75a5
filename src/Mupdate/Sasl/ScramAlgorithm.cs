using System.Security.Cryptography;
using System.Text;

namespace Mupdate.Sasl;

/// <summary>The RFC 5802 primitives H, HMAC and Hi for one <see cref="ScramHash"/>.</summary>
internal sealed class ScramAlgorithm
{
    private static readonly byte[] ClientKeyLabel = Encoding.ASCII.GetBytes("Client Key");
    private static readonly byte[] ServerKeyLabel = Encoding.ASCII.GetBytes("Server Key");

    public static readonly ScramAlgorithm Sha1 = new(ScramHash.Sha1, "SCRAM-SHA-1", HashAlgorithmName.SHA1, 20);
    public static readonly ScramAlgorithm Sha256 = new(ScramHash.Sha256, "SCRAM-SHA-256", HashAlgorithmName.SHA256, 32);

    private readonly HashAlgorithmName _hashName;

    private ScramAlgorithm(ScramHash hash, string mechanismName, HashAlgorithmName hashName, int hashLength)
    {
        Hash = hash;
        MechanismName = mechanismName;
        _hashName = hashName;
        HashLength = hashLength;
    }

    public ScramHash Hash { get; }

    /// <summary>The SASL mechanism name, which is also the prefix of a secret in the credential file.</summary>
    public string MechanismName { get; }

    /// <summary>The output length of H and HMAC in bytes, which is also the length of StoredKey and ServerKey.</summary>
    public int HashLength { get; }

    public static ScramAlgorithm For(ScramHash hash) => hash switch
    {
        ScramHash.Sha1 => Sha1,
        ScramHash.Sha256 => Sha256,
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "unknown SCRAM hash"),
    };

    public byte[] ComputeHash(ReadOnlySpan<byte> data) => CryptographicOperations.HashData(_hashName, data);

    public byte[] ComputeHmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        CryptographicOperations.HmacData(_hashName, key, data);

    /// <summary>Computes SaltedPassword = Hi(password, salt, i), which is PBKDF2 with HMAC as the PRF.</summary>
    public byte[] ComputeSaltedPassword(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, _hashName, HashLength);

    public byte[] ComputeClientKey(ReadOnlySpan<byte> saltedPassword) => ComputeHmac(saltedPassword, ClientKeyLabel);

    public byte[] ComputeServerKey(ReadOnlySpan<byte> saltedPassword) => ComputeHmac(saltedPassword, ServerKeyLabel);
}
