namespace Mupdate.Sasl;

/// <summary>Picks the client mechanism to log in to a master with.</summary>
public static class SaslClientMechanisms
{
    /// <summary>The mechanisms this client implements, in order of preference.</summary>
    public static IReadOnlyList<string> PreferenceOrder { get; } = ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"];

    /// <summary>
    /// Returns the most preferred mechanism name in <paramref name="offered"/>, or null if none is implemented.
    /// Names compare case-insensitively, and the result uses the spelling of <see cref="PreferenceOrder"/>.
    /// </summary>
    /// <param name="offered">The names from the server's AUTH line, without quotes.</param>
    /// <param name="allowPlaintext">False to never pick PLAIN, for example on a connection without TLS.</param>
    public static string? ChooseName(IEnumerable<string> offered, bool allowPlaintext = true)
    {
        ArgumentNullException.ThrowIfNull(offered);
        var offeredSet = new HashSet<string>(offered, StringComparer.OrdinalIgnoreCase);
        foreach (string name in PreferenceOrder)
        {
            if (offeredSet.Contains(name) && (allowPlaintext || !SaslServerMechanisms.IsPlaintext(name)))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>
    /// Creates the client for the most preferred mechanism in <paramref name="offered"/>: SCRAM-SHA-256, then
    /// SCRAM-SHA-1, then PLAIN. Returns null if the server offers none of them.
    /// </summary>
    /// <exception cref="ArgumentException">SASLprep rejects the user name or password.</exception>
    public static ISaslClientMechanism? Choose(
        IEnumerable<string> offered,
        string authenticationId,
        string password,
        string? authorizationId = null,
        bool allowPlaintext = true)
    {
        return ChooseName(offered, allowPlaintext) switch
        {
            "SCRAM-SHA-256" => new ScramClientMechanism(ScramHash.Sha256, authenticationId, password, authorizationId),
            "SCRAM-SHA-1" => new ScramClientMechanism(ScramHash.Sha1, authenticationId, password, authorizationId),
            "PLAIN" => new PlainClientMechanism(authenticationId, password, authorizationId),
            _ => null,
        };
    }
}
