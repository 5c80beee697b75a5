namespace Mupdate.Sasl;

/// <summary>The server mechanisms this server implements, and a factory for one exchange.</summary>
public static class SaslServerMechanisms
{
    /// <summary>The mechanism names in order of preference, strongest first, as the AUTH banner lists them.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"];

    /// <summary>
    /// Returns whether <paramref name="name"/> sends the password in clear, so that the server offers it only
    /// under TLS or when plaintext logins are allowed. Unknown names return false.
    /// </summary>
    public static bool IsPlaintext(string name) => string.Equals(name, "PLAIN", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Creates the server side of one exchange for <paramref name="name"/>, compared case-insensitively, or
    /// returns null when the mechanism is not implemented.
    /// </summary>
    public static ISaslServerMechanism? Create(string name, ICredentialStore store)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(store);
        return name.ToUpperInvariant() switch
        {
            "SCRAM-SHA-256" => new ScramServerMechanism(ScramHash.Sha256, store),
            "SCRAM-SHA-1" => new ScramServerMechanism(ScramHash.Sha1, store),
            "PLAIN" => new PlainServerMechanism(store),
            _ => null,
        };
    }
}
