namespace Mupdate.Sasl;

/// <summary>The result of one <see cref="ISaslServerMechanism.Evaluate"/> call.</summary>
public sealed class SaslServerStep
{
    /// <summary>The failure message for unknown users and wrong passwords alike.</summary>
    internal const string InvalidCredentialsMessage = "authentication failed: invalid user name or password";

    private SaslServerStep(
        SaslStepKind kind,
        byte[]? challenge,
        SaslIdentity? identity,
        byte[]? additionalData,
        SaslFailure? failure,
        string? message)
    {
        Kind = kind;
        Challenge = challenge;
        Identity = identity;
        AdditionalData = additionalData;
        Failure = failure;
        Message = message;
    }

    /// <summary>Which of the three outcomes this step is.</summary>
    public SaslStepKind Kind { get; }

    /// <summary>The raw challenge to send (possibly empty) when <see cref="Kind"/> is Continue, else null.</summary>
    public byte[]? Challenge { get; }

    /// <summary>The authenticated identity when <see cref="Kind"/> is Succeeded, else null.</summary>
    public SaslIdentity? Identity { get; }

    /// <summary>
    /// Data that goes with a success, else null. For SCRAM it is the server-final-message (<c>v=...</c>), which
    /// MUPDATE sends as one more challenge and which the client answers with an empty line before the OK.
    /// </summary>
    public byte[]? AdditionalData { get; }

    /// <summary>The failure reason when <see cref="Kind"/> is Failed, else null.</summary>
    public SaslFailure? Failure { get; }

    /// <summary>
    /// A sentence for the client and the log when <see cref="Kind"/> is Failed, else null. It never contains a
    /// password, a proof or a key.
    /// </summary>
    public string? Message { get; }

    /// <summary>Creates a step that sends <paramref name="challenge"/> and waits for another response.</summary>
    public static SaslServerStep Continue(byte[] challenge)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        return new SaslServerStep(SaslStepKind.Continue, challenge, null, null, null, null);
    }

    /// <summary>Creates a successful final step.</summary>
    public static SaslServerStep Succeeded(SaslIdentity identity, byte[]? additionalData)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new SaslServerStep(SaslStepKind.Succeeded, null, identity, additionalData, null, null);
    }

    /// <summary>Creates a failed final step.</summary>
    public static SaslServerStep Failed(SaslFailure reason, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        return new SaslServerStep(SaslStepKind.Failed, null, null, null, reason, message);
    }

    internal static SaslServerStep InvalidCredentials() =>
        Failed(SaslFailure.InvalidCredentials, InvalidCredentialsMessage);

    internal static SaslServerStep Malformed(string message) => Failed(SaslFailure.MalformedResponse, message);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        SaslStepKind.Continue => $"Continue ({Challenge!.Length} bytes)",
        SaslStepKind.Succeeded => $"Succeeded ({Identity!.AuthenticationId})",
        _ => $"Failed ({Failure}: {Message})",
    };
}
