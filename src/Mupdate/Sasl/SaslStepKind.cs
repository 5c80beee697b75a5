namespace Mupdate.Sasl;

/// <summary>The kind of a <see cref="SaslServerStep"/>.</summary>
public enum SaslStepKind
{
    /// <summary>Send <see cref="SaslServerStep.Challenge"/> and wait for the next client response.</summary>
    Continue,

    /// <summary>The client is authenticated as <see cref="SaslServerStep.Identity"/>.</summary>
    Succeeded,

    /// <summary>The exchange failed for <see cref="SaslServerStep.Failure"/>.</summary>
    Failed,
}
