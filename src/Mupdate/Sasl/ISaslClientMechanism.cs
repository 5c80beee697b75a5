namespace Mupdate.Sasl;

/// <summary>
/// The client side of one SASL exchange, used when this server logs in to a master. The protocol layer encodes and
/// decodes the base64 lines. An instance serves a single exchange and is not thread-safe.
/// </summary>
public interface ISaslClientMechanism
{
    /// <summary>The IANA mechanism name.</summary>
    string Name { get; }

    /// <summary>
    /// True once the exchange is finished from the client's view: after the server signature was verified (SCRAM)
    /// or after the only response was produced (PLAIN).
    /// </summary>
    bool IsComplete { get; }

    /// <summary>Returns the initial response to send with AUTHENTICATE, or null if the mechanism sends none.</summary>
    byte[]? InitialResponse();

    /// <summary>Returns the response to a decoded server challenge.</summary>
    /// <exception cref="SaslException">The challenge is malformed, unexpected, or has a wrong signature.</exception>
    byte[] EvaluateChallenge(ReadOnlySpan<byte> challenge);
}
