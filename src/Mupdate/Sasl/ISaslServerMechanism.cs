namespace Mupdate.Sasl;

/// <summary>
/// The server side of one SASL exchange with one client. The protocol layer decodes the base64 lines and passes raw
/// bytes. An instance serves a single exchange and is not thread-safe.
/// </summary>
public interface ISaslServerMechanism
{
    /// <summary>The IANA mechanism name, such as "PLAIN" or "SCRAM-SHA-256".</summary>
    string Name { get; }

    /// <summary>
    /// The authentication id the client gave, once it has given one, for logging a failed login; null
    /// before that. It is not proven until the exchange succeeds.
    /// </summary>
    string? ClaimedUser => null;

    /// <summary>
    /// Processes the next client response and returns what to do next.
    /// </summary>
    /// <param name="response">The decoded client response.</param>
    /// <param name="hasResponse">
    /// False only on the first call when the client sent no initial response. Later calls always pass true.
    /// </param>
    /// <exception cref="InvalidOperationException">The exchange already succeeded or failed.</exception>
    SaslServerStep Evaluate(ReadOnlySpan<byte> response, bool hasResponse);
}
