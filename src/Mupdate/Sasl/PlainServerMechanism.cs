using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Mupdate.Sasl;

/// <summary>
/// The server side of PLAIN (RFC 4616): <c>[authzid] NUL authcid NUL passwd</c> in UTF-8, checked against the
/// stored SCRAM secret, SCRAM-SHA-256 when the user has one and SCRAM-SHA-1 otherwise.
/// </summary>
/// <remarks>
/// RFC 4616 requires accepting fields of up to 255 bytes. This server accepts authzid and authcid of up to 255
/// bytes and passwords of up to 1024 bytes. An unknown user costs one PBKDF2 run like a known one, so the response
/// time does not reveal whether a user exists, unless the stored iteration count differs from 4096.
/// </remarks>
public sealed class PlainServerMechanism : ISaslServerMechanism
{
    /// <summary>The maximum length in bytes of the authorization and the authentication identity.</summary>
    public const int MaxIdentityLength = 255;

    /// <summary>The maximum length of the password in bytes.</summary>
    public const int MaxPasswordLength = 1024;

    private const int MaxMessageLength = (2 * MaxIdentityLength) + MaxPasswordLength + 2;
    private const string Prefix = "malformed PLAIN message: ";

    private static readonly byte[] DummySalt = RandomNumberGenerator.GetBytes(ScramSecret.SaltLength);

    private readonly ICredentialStore _store;
    private bool _awaitingMessage;
    private bool _finished;

    /// <summary>Creates a mechanism for one exchange that verifies against <paramref name="store"/>.</summary>
    public PlainServerMechanism(ICredentialStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc/>
    public string Name => "PLAIN";

    public string? ClaimedUser { get; private set; }

    /// <inheritdoc/>
    public SaslServerStep Evaluate(ReadOnlySpan<byte> response, bool hasResponse)
    {
        if (_finished)
        {
            throw new InvalidOperationException("the PLAIN exchange is already finished");
        }

        if (!hasResponse && !_awaitingMessage)
        {
            // PLAIN is client-first, so without an initial response the server sends an empty challenge (RFC 4422).
            _awaitingMessage = true;
            return SaslServerStep.Continue([]);
        }

        _finished = true;
        return Authenticate(response);
    }

    private SaslServerStep Authenticate(ReadOnlySpan<byte> message)
    {
        if (!TrySplit(message, out PlainFields fields, out SaslServerStep? failure))
        {
            return failure;
        }

        return Verify(fields);
    }

    private SaslServerStep Verify(PlainFields fields)
    {
        if (!SaslPrep.TryPrepare(
            fields.AuthenticationId, allowUnassigned: true, out string? preparedName, out string? error))
        {
            return SaslServerStep.Malformed($"{Prefix}the authentication identity {error}");
        }

        ClaimedUser = preparedName;

        string? preparedAuthorizationId = null;
        if (fields.AuthorizationId is not null
            && !SaslPrep.TryPrepare(fields.AuthorizationId, allowUnassigned: true, out preparedAuthorizationId, out _))
        {
            return SaslServerStep.Failed(
                SaslFailure.AuthorizationInvalid,
                "invalid PLAIN authorization identity: SASLprep rejects it");
        }

        UserCredential? credential = _store.Find(preparedName);
        ScramHash hash = credential?.Sha256 is not null ? ScramHash.Sha256 : ScramHash.Sha1;
        ScramSecret? secret = credential?.GetSecret(hash);

        // A password that SASLprep rejects cannot match a stored secret, which was made from a prepared password.
        if (secret is null
            || !SaslPrep.TryPrepare(fields.Password, allowUnassigned: true, out string? preparedPassword, out _))
        {
            // One PBKDF2 run, as for a known user, so the response time does not reveal whether the user exists.
            _ = ScramSecret.Derive(ScramHash.Sha256, fields.Password, DummySalt, ScramSecret.DefaultIterations);
            return SaslServerStep.InvalidCredentials();
        }

        if (!secret.Matches(hash, preparedPassword))
        {
            return SaslServerStep.InvalidCredentials();
        }

        return SaslServerStep.Succeeded(SaslIdentity.Create(preparedName, preparedAuthorizationId), null);
    }

    private static bool TrySplit(
        ReadOnlySpan<byte> message,
        out PlainFields fields,
        [NotNullWhen(false)] out SaslServerStep? failure)
    {
        fields = default;
        failure = Split(message, ref fields);
        return failure is null;
    }

    private static SaslServerStep? Split(ReadOnlySpan<byte> message, ref PlainFields fields)
    {
        if (message.Length > MaxMessageLength)
        {
            return SaslServerStep.Malformed($"{Prefix}longer than {MaxMessageLength} bytes");
        }

        int firstNul = message.IndexOf((byte)0);
        int secondNul = firstNul < 0 ? -1 : message[(firstNul + 1)..].IndexOf((byte)0);
        if (secondNul < 0)
        {
            return SaslServerStep.Malformed($"{Prefix}expected authzid NUL authcid NUL password, with two NUL bytes");
        }

        secondNul += firstNul + 1;
        ReadOnlySpan<byte> authzidBytes = message[..firstNul];
        ReadOnlySpan<byte> authcidBytes = message[(firstNul + 1)..secondNul];
        ReadOnlySpan<byte> passwordBytes = message[(secondNul + 1)..];

        if (passwordBytes.Contains((byte)0))
        {
            return SaslServerStep.Malformed($"{Prefix}more than two NUL bytes");
        }

        if (authzidBytes.Length > MaxIdentityLength || !TryDecode(authzidBytes, out string? authzid))
        {
            return SaslServerStep.Failed(
                SaslFailure.AuthorizationInvalid,
                $"invalid PLAIN authorization identity: it must be valid UTF-8 of at most {MaxIdentityLength} bytes");
        }

        if (authcidBytes.IsEmpty)
        {
            return SaslServerStep.Malformed($"{Prefix}the authentication identity is empty");
        }

        if (authcidBytes.Length > MaxIdentityLength)
        {
            return SaslServerStep.Malformed(
                $"{Prefix}the authentication identity is longer than {MaxIdentityLength} bytes");
        }

        if (!TryDecode(authcidBytes, out string? authcid))
        {
            return SaslServerStep.Malformed($"{Prefix}the authentication identity is not valid UTF-8");
        }

        if (passwordBytes.IsEmpty)
        {
            return SaslServerStep.Malformed($"{Prefix}the password is empty");
        }

        if (passwordBytes.Length > MaxPasswordLength)
        {
            return SaslServerStep.Malformed($"{Prefix}the password is longer than {MaxPasswordLength} bytes");
        }

        if (!TryDecode(passwordBytes, out string? password))
        {
            return SaslServerStep.Malformed($"{Prefix}the password is not valid UTF-8");
        }

        fields = new PlainFields(authzid.Length == 0 ? null : authzid, authcid, password);
        return null;
    }

    private static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? text) =>
        ScramText.TryDecodeUtf8(bytes, out text);

    private readonly record struct PlainFields(string? AuthorizationId, string AuthenticationId, string Password);
}
