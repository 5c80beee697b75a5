using Mupdate.Sasl;

namespace Mupdate.Server;

/// <summary>
/// Who may log in and with which SASL mechanisms. As in Cyrus 3.6 mupdate, only the ids in
/// <see cref="Admins"/> may authenticate, and an admin may name any authorization id. Plaintext
/// mechanisms (PLAIN) are offered only with <see cref="AllowPlaintext"/>, because this server has
/// no TLS layer yet.
/// </summary>
public sealed class LoginPolicy
{
    public LoginPolicy(
        ICredentialStore credentials,
        IReadOnlySet<string> admins,
        bool allowPlaintext,
        IReadOnlyList<string>? mechanismList = null)
    {
        Credentials = credentials;
        Admins = admins;
        AllowPlaintext = allowPlaintext;
        OfferedMechanisms = SaslServerMechanisms.SupportedNames
            .Where(name => mechanismList is null || mechanismList.Contains(name, StringComparer.OrdinalIgnoreCase))
            .Where(name => allowPlaintext || !SaslServerMechanisms.IsPlaintext(name))
            .ToArray();
    }

    public ICredentialStore Credentials { get; }

    public IReadOnlySet<string> Admins { get; }

    public bool AllowPlaintext { get; }

    /// <summary>The mechanisms listed in the banner, in order of preference.</summary>
    public IReadOnlyList<string> OfferedMechanisms { get; }

    /// <summary>Creates the server side of <paramref name="name"/>, or returns why it is not available.</summary>
    public ISaslServerMechanism? CreateMechanism(string name, out string? refusal)
    {
        refusal = null;
        if (!OfferedMechanisms.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            var known = SaslServerMechanisms.SupportedNames.Contains(name, StringComparer.OrdinalIgnoreCase);
            refusal = known && SaslServerMechanisms.IsPlaintext(name) && !AllowPlaintext
                ? $"mechanism {name} is not allowed without TLS (allowplaintext is off)"
                : $"mechanism {name} is not available; offered: {string.Join(' ', OfferedMechanisms)}";
            return null;
        }

        return SaslServerMechanisms.Create(name, Credentials);
    }

    /// <summary>
    /// Applies the admins rule to a proven identity. Returns the session's user (the authorization
    /// id when one was named, else the authentication id), or null with the reason.
    /// </summary>
    public string? Authorize(SaslIdentity identity, out string? refusal)
    {
        if (!Admins.Contains(identity.AuthenticationId))
        {
            refusal = $"user {identity.AuthenticationId} is not in admins; only admins may log in to mupdate";
            return null;
        }

        refusal = null;
        return string.IsNullOrEmpty(identity.AuthorizationId) ? identity.AuthenticationId : identity.AuthorizationId;
    }
}
