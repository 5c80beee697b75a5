namespace Mupdate.Sasl;

/// <summary>The reason a server-side SASL exchange failed.</summary>
public enum SaslFailure
{
    /// <summary>The client message does not follow the mechanism's syntax.</summary>
    MalformedResponse,

    /// <summary>
    /// The user is unknown or the password or proof is wrong. Both cases share this value and one message, so the
    /// client cannot tell which user names exist.
    /// </summary>
    InvalidCredentials,

    /// <summary>The client requested a feature this server does not implement, such as channel binding.</summary>
    UnsupportedFeature,

    /// <summary>The requested authorization identity is not valid, for example not UTF-8 or too long.</summary>
    AuthorizationInvalid,
}
