// Interim copies of the SASL contracts, replaced by the real mechanisms when they are merged.
namespace Mupdate.Sasl;

public interface ISaslServerMechanism
{
    string Name { get; }

    SaslServerStep Evaluate(ReadOnlySpan<byte> response, bool hasResponse);
}

public enum SaslFailure
{
    MalformedResponse,
    InvalidCredentials,
    UnsupportedFeature,
    AuthorizationInvalid,
}

public sealed record SaslIdentity(string AuthenticationId, string? AuthorizationId);

public readonly record struct SaslServerStep(int Kind, byte[]? Challenge, SaslIdentity? Identity, byte[]? AdditionalData, SaslFailure Failure, string? Message)
{
    public bool IsContinue => Kind == 0;

    public bool IsSucceeded => Kind == 1;

    public bool IsFailed => Kind == 2;
}

public interface ICredentialStore
{
    object? Find(string userName);
}

public static class SaslServerMechanisms
{
    public static IReadOnlyList<string> SupportedNames { get; } = ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"];

    public static bool IsPlaintext(string name) => string.Equals(name, "PLAIN", StringComparison.OrdinalIgnoreCase);

    public static ISaslServerMechanism? Create(string name, ICredentialStore store) => null;
}
