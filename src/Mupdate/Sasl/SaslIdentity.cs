namespace Mupdate.Sasl;

/// <summary>The outcome of a successful SASL exchange.</summary>
/// <param name="AuthenticationId">The SASLprep'd user name whose credentials were proven.</param>
/// <param name="AuthorizationId">
/// The identity the client asked to act as, or null when it asked for none, sent an empty one, or named itself.
/// Whether the request is allowed is the server's decision, not the mechanism's.
/// </param>
public sealed record SaslIdentity(string AuthenticationId, string? AuthorizationId)
{
    /// <summary>Creates an identity, mapping an empty or self-naming authorization id to null.</summary>
    internal static SaslIdentity Create(string authenticationId, string? requestedAuthorizationId)
    {
        bool isSelf = string.IsNullOrEmpty(requestedAuthorizationId)
            || string.Equals(requestedAuthorizationId, authenticationId, StringComparison.Ordinal);
        return new SaslIdentity(authenticationId, isSelf ? null : requestedAuthorizationId);
    }
}
