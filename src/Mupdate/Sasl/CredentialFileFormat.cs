using System.Globalization;
using System.Text;

namespace Mupdate.Sasl;

/// <summary>
/// The line format of the credential file:
/// <c>user TAB SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey [TAB SCRAM-SHA-1$...]</c>, with base64 values.
/// The SCRAM-SHA-256 field has the same shape as PostgreSQL's SCRAM verifier in pg_authid.
/// </summary>
internal static class CredentialFileFormat
{
    /// <summary>The first line of every file this server writes.</summary>
    public const string Header =
        "# MUPDATE SCRAM credentials: user<TAB>SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"
        + "<TAB>SCRAM-SHA-1$... Edit it with \"mupdate passwd\".";

    private const string ExpectedShape = "<mechanism>$<iterations>:<salt>$<StoredKey>:<ServerKey>";

    public static string FormatLine(UserCredential credential)
    {
        var line = new StringBuilder(credential.UserName);
        if (credential.Sha256 is not null)
        {
            line.Append('\t').Append(FormatSecret(ScramAlgorithm.Sha256, credential.Sha256));
        }

        if (credential.Sha1 is not null)
        {
            line.Append('\t').Append(FormatSecret(ScramAlgorithm.Sha1, credential.Sha1));
        }

        return line.ToString();
    }

    /// <summary>Parses one line that is neither blank nor a comment.</summary>
    /// <exception cref="FormatException">The line is malformed. The message quotes no field.</exception>
    public static UserCredential ParseLine(string line)
    {
        string[] fields = line.Split('\t');
        string userName = fields[0];
        if (!CredentialUserName.TryPrepare(userName, out string? prepared, out string? error))
        {
            throw new FormatException($"invalid user name in field 1: {error}");
        }

        if (!string.Equals(prepared, userName, StringComparison.Ordinal))
        {
            throw new FormatException(
                "the user name in field 1 is not in SASLprep form, so rewrite the entry with \"mupdate passwd\"");
        }

        if (fields.Length < 2)
        {
            throw new FormatException($"missing secret after the user name, expected user<TAB>{ExpectedShape}");
        }

        if (fields.Length > 3)
        {
            throw new FormatException("more than 3 TAB-separated fields, expected a user name and at most 2 secrets");
        }

        ScramSecret? sha1 = null;
        ScramSecret? sha256 = null;
        for (int i = 1; i < fields.Length; i++)
        {
            (ScramAlgorithm algorithm, ScramSecret secret) = ParseSecret(fields[i], i + 1);
            ref ScramSecret? slot = ref algorithm.Hash == ScramHash.Sha256 ? ref sha256 : ref sha1;
            if (slot is not null)
            {
                throw new FormatException($"field {i + 1} repeats the {algorithm.MechanismName} secret");
            }

            slot = secret;
        }

        return new UserCredential(userName, sha1, sha256);
    }

    private static string FormatSecret(ScramAlgorithm algorithm, ScramSecret secret) => string.Create(
        CultureInfo.InvariantCulture,
        $"{algorithm.MechanismName}${secret.Iterations}:{Convert.ToBase64String(secret.Salt)}"
        + $"${Convert.ToBase64String(secret.StoredKey)}:{Convert.ToBase64String(secret.ServerKey)}");

    private static (ScramAlgorithm Algorithm, ScramSecret Secret) ParseSecret(string field, int fieldNumber)
    {
        string[] parts = field.Split('$');
        if (parts.Length != 3)
        {
            throw new FormatException($"field {fieldNumber} is not a SCRAM secret, expected {ExpectedShape}");
        }

        ScramAlgorithm algorithm = parts[0] switch
        {
            "SCRAM-SHA-256" => ScramAlgorithm.Sha256,
            "SCRAM-SHA-1" => ScramAlgorithm.Sha1,
            _ => throw new FormatException(
                $"field {fieldNumber} has an unknown mechanism, expected SCRAM-SHA-256 or SCRAM-SHA-1"),
        };

        string[] parameters = parts[1].Split(':');
        string[] keys = parts[2].Split(':');
        if (parameters.Length != 2 || keys.Length != 2)
        {
            throw new FormatException($"field {fieldNumber} is not a SCRAM secret, expected {ExpectedShape}");
        }

        // Below the minimum the stored secret is cheap to brute-force. Above the maximum each failed PLAIN login
        // costs a long PBKDF2 run, and Cyrus SASL clients reject the count anyway.
        if (!int.TryParse(parameters[0], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations < ScramSecret.MinimumIterations
            || iterations > ScramSecret.MaximumIterations)
        {
            throw new FormatException(
                $"field {fieldNumber} has an invalid iteration count, expected {ScramSecret.MinimumIterations} to "
                + $"{ScramSecret.MaximumIterations}, so set the password again with \"mupdate passwd set <user>\"");
        }

        byte[] salt = DecodeBase64(parameters[1], fieldNumber, "salt", null);
        byte[] storedKey = DecodeBase64(keys[0], fieldNumber, "StoredKey", algorithm.HashLength);
        byte[] serverKey = DecodeBase64(keys[1], fieldNumber, "ServerKey", algorithm.HashLength);
        return (algorithm, new ScramSecret(iterations, salt, storedKey, serverKey));
    }

    private static byte[] DecodeBase64(string text, int fieldNumber, string name, int? expectedLength)
    {
        if (!ScramText.TryDecodeBase64(text, out byte[]? bytes) || bytes.Length == 0)
        {
            throw new FormatException($"field {fieldNumber} has an invalid {name}: expected non-empty base64");
        }

        if (expectedLength is int length && bytes.Length != length)
        {
            throw new FormatException($"field {fieldNumber} has an invalid {name}: expected {length} bytes");
        }

        return bytes;
    }
}
