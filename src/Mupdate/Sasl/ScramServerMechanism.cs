using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mupdate.Sasl;

/// <summary>
/// The server side of SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677) without channel binding.
/// </summary>
/// <remarks>
/// An unknown user gets a normal server-first-message with a salt derived from the user name and a server key,
/// and fails only at the proof, with the same failure as a wrong password. A user who has no secret for this hash
/// is treated as unknown.
/// </remarks>
public sealed class ScramServerMechanism : ISaslServerMechanism
{
    private const int NonceRandomBytes = 24;

    /// <summary>A key for fake salts that lives as long as the process.</summary>
    private static readonly byte[] ProcessFakeSaltKey = RandomNumberGenerator.GetBytes(32);

    private readonly ScramAlgorithm _algorithm;
    private readonly ICredentialStore _store;
    private readonly byte[] _fakeSaltKey;
    private readonly string? _fixedNonceSuffix;

    private State _state = State.Initial;
    private string _gs2Header = "";
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _nonce = "";
    private ScramSecret? _secret;
    private SaslIdentity? _identity;

    /// <summary>
    /// Creates a mechanism for one exchange that verifies against <paramref name="store"/>, with the store's
    /// <see cref="ICredentialStore.FakeSaltKey"/>, or a key of this process when it has none.
    /// </summary>
    public ScramServerMechanism(ScramHash hash, ICredentialStore store)
        : this(hash, store, store?.FakeSaltKey ?? ProcessFakeSaltKey, null)
    {
    }

    /// <summary>Creates a mechanism with a fixed fake-salt key and server nonce suffix, for tests.</summary>
    internal ScramServerMechanism(ScramHash hash, ICredentialStore store, byte[] fakeSaltKey, string? serverNonceSuffix)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(fakeSaltKey);
        _algorithm = ScramAlgorithm.For(hash);
        _store = store;
        _fakeSaltKey = fakeSaltKey;
        _fixedNonceSuffix = serverNonceSuffix;
    }

    private enum State
    {
        Initial,
        AwaitingClientFirst,
        AwaitingClientFinal,
        Finished,
    }

    /// <inheritdoc/>
    public string Name => _algorithm.MechanismName;

    public string? ClaimedUser { get; private set; }

    /// <inheritdoc/>
    public SaslServerStep Evaluate(ReadOnlySpan<byte> response, bool hasResponse)
    {
        SaslServerStep step;
        switch (_state)
        {
            case State.Initial when !hasResponse:
                // SCRAM is client-first, so without an initial response the server sends an empty challenge
                // (RFC 4422) and the client-first-message comes as the response.
                _state = State.AwaitingClientFirst;
                return SaslServerStep.Continue([]);
            case State.Initial:
            case State.AwaitingClientFirst:
                step = EvaluateClientFirst(response);
                break;
            case State.AwaitingClientFinal:
                step = EvaluateClientFinal(response);
                break;
            default:
                throw new InvalidOperationException($"the {Name} exchange is already finished");
        }

        _state = step.Kind == SaslStepKind.Continue ? State.AwaitingClientFinal : State.Finished;
        return step;
    }

    private SaslServerStep EvaluateClientFirst(ReadOnlySpan<byte> response)
    {
        const string Prefix = "malformed SCRAM client-first-message: ";
        if (response.Length > ScramText.MaxMessageLength)
        {
            return SaslServerStep.Malformed($"{Prefix}longer than {ScramText.MaxMessageLength} bytes");
        }

        if (!ScramText.TryDecodeMessage(response, out string? message))
        {
            return SaslServerStep.Malformed($"{Prefix}not valid UTF-8 or contains NUL");
        }

        SaslServerStep? failure = ParseGs2Header(message, out string? authorizationId, out int bareStart);
        if (failure is not null)
        {
            return failure;
        }

        _gs2Header = message[..bareStart];
        _clientFirstBare = message[bareStart..];
        string[] attributes = _clientFirstBare.Split(',');

        if (ScramText.TryGetValue(attributes[0], 'm', out _))
        {
            return SaslServerStep.Failed(
                SaslFailure.UnsupportedFeature,
                "SCRAM mandatory extensions (m=) are not supported");
        }

        if (!ScramText.TryGetValue(attributes[0], 'n', out string? encodedName))
        {
            return SaslServerStep.Malformed($"{Prefix}missing user name (n=)");
        }

        if (!ScramText.TryDecodeSaslName(encodedName, out string? userName))
        {
            return SaslServerStep.Malformed(
                $"{Prefix}invalid user name: it is empty or has a '=' that does not start =2C or =3D");
        }

        if (!SaslPrep.TryPrepare(userName, allowUnassigned: true, out string? preparedName, out string? prepError))
        {
            return SaslServerStep.Malformed($"{Prefix}the user name {prepError}");
        }

        if (preparedName.Length == 0 || Encoding.UTF8.GetByteCount(preparedName) > CredentialUserName.MaxLength)
        {
            return SaslServerStep.Malformed(
                $"{Prefix}the user name must be 1 to {CredentialUserName.MaxLength} bytes after SASLprep");
        }

        ClaimedUser = preparedName;

        if (attributes.Length < 2 || !ScramText.TryGetValue(attributes[1], 'r', out string? clientNonce))
        {
            return SaslServerStep.Malformed($"{Prefix}missing nonce (r=) after the user name");
        }

        if (!ScramText.IsValidNonce(clientNonce))
        {
            return SaslServerStep.Malformed(
                $"{Prefix}the nonce must be 1 to {ScramText.MaxNonceLength} printable characters without ','");
        }

        for (int i = 2; i < attributes.Length; i++)
        {
            if (!ScramText.IsExtension(attributes[i]))
            {
                return SaslServerStep.Malformed($"{Prefix}attribute {i + 1} is not of the form name=value");
            }
        }

        _identity = SaslIdentity.Create(preparedName, authorizationId);
        _secret = FindSecret(preparedName);
        string nonceSuffix = _fixedNonceSuffix ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceRandomBytes));
        _nonce = clientNonce + nonceSuffix;

        byte[] salt = _secret?.Salt ?? ComputeFakeSalt(preparedName);
        int iterations = _secret?.Iterations ?? ScramSecret.DefaultIterations;
        _serverFirst = string.Create(
            CultureInfo.InvariantCulture,
            $"r={_nonce},s={Convert.ToBase64String(salt)},i={iterations}");
        return SaslServerStep.Continue(ScramText.Encode(_serverFirst));
    }

    // gs2-header = gs2-cbind-flag "," [ authzid ] ","   (RFC 5802 section 7)
    private static SaslServerStep? ParseGs2Header(string message, out string? authorizationId, out int bareStart)
    {
        const string Prefix = "malformed SCRAM client-first-message: ";
        authorizationId = null;
        bareStart = 0;

        if (message.StartsWith("p=", StringComparison.Ordinal))
        {
            return SaslServerStep.Failed(
                SaslFailure.UnsupportedFeature,
                "SCRAM channel binding (p=) is not supported, so send the GS2 flag n or y instead");
        }

        // "y" means the client supports channel binding but thinks the server does not, which is true here.
        if (!message.StartsWith("n,", StringComparison.Ordinal) && !message.StartsWith("y,", StringComparison.Ordinal))
        {
            return SaslServerStep.Malformed($"{Prefix}the GS2 header must start with n, y or p=");
        }

        int authzidEnd = message.IndexOf(',', 2);
        if (authzidEnd < 0)
        {
            return SaslServerStep.Malformed($"{Prefix}the GS2 header must end with ','");
        }

        string authzidField = message[2..authzidEnd];
        if (authzidField.Length > 0)
        {
            if (!ScramText.TryGetValue(authzidField, 'a', out string? encoded))
            {
                return SaslServerStep.Malformed($"{Prefix}the GS2 header field after the flag must be empty or a=");
            }

            if (!ScramText.TryDecodeSaslName(encoded, out string? decoded)
                || !SaslPrep.TryPrepare(decoded, allowUnassigned: true, out authorizationId, out _)
                || authorizationId.Length == 0
                || Encoding.UTF8.GetByteCount(authorizationId) > CredentialUserName.MaxLength)
            {
                authorizationId = null;
                return SaslServerStep.Failed(
                    SaslFailure.AuthorizationInvalid,
                    "invalid SCRAM authorization identity (a=): it must be 1 to 255 bytes, valid under SASLprep, "
                    + "with ',' and '=' sent as =2C and =3D");
            }
        }

        bareStart = authzidEnd + 1;
        return null;
    }

    private SaslServerStep EvaluateClientFinal(ReadOnlySpan<byte> response)
    {
        const string Prefix = "malformed SCRAM client-final-message: ";
        if (response.Length > ScramText.MaxMessageLength)
        {
            return SaslServerStep.Malformed($"{Prefix}longer than {ScramText.MaxMessageLength} bytes");
        }

        if (!ScramText.TryDecodeMessage(response, out string? message))
        {
            return SaslServerStep.Malformed($"{Prefix}not valid UTF-8 or contains NUL");
        }

        string[] attributes = message.Split(',');
        if (!ScramText.TryGetValue(attributes[0], 'c', out string? channelBinding))
        {
            return SaslServerStep.Malformed($"{Prefix}missing channel binding (c=)");
        }

        if (!ScramText.TryDecodeBase64(channelBinding, out byte[]? channelBindingBytes))
        {
            return SaslServerStep.Malformed($"{Prefix}the channel binding (c=) is not valid base64");
        }

        // Without channel binding, c= carries the GS2 header alone (RFC 5802 section 7, cbind-input).
        if (!channelBindingBytes.AsSpan().SequenceEqual(ScramText.Encode(_gs2Header)))
        {
            return SaslServerStep.Malformed(
                $"{Prefix}the channel binding (c=) does not match the GS2 header of the client-first-message");
        }

        if (attributes.Length < 2 || !ScramText.TryGetValue(attributes[1], 'r', out string? nonce))
        {
            return SaslServerStep.Malformed($"{Prefix}missing nonce (r=) after the channel binding");
        }

        if (!string.Equals(nonce, _nonce, StringComparison.Ordinal))
        {
            return SaslServerStep.Malformed($"{Prefix}the nonce (r=) is not the nonce of this exchange");
        }

        if (attributes.Length < 3 || !ScramText.TryGetValue(attributes[^1], 'p', out string? proofText))
        {
            return SaslServerStep.Malformed($"{Prefix}missing proof (p=) as the last attribute");
        }

        for (int i = 2; i < attributes.Length - 1; i++)
        {
            if (!ScramText.IsExtension(attributes[i]))
            {
                return SaslServerStep.Malformed($"{Prefix}attribute {i + 1} is not of the form name=value");
            }
        }

        if (!ScramText.TryDecodeBase64(proofText, out byte[]? proof) || proof.Length != _algorithm.HashLength)
        {
            return SaslServerStep.Malformed(
                $"{Prefix}the proof (p=) must be {_algorithm.HashLength} bytes of base64");
        }

        string withoutProof = message[..message.LastIndexOf(',')];
        byte[] authMessage = ScramText.Encode($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        return VerifyProof(proof, authMessage);
    }

    private SaslServerStep VerifyProof(byte[] proof, byte[] authMessage)
    {
        if (_secret is null)
        {
            return SaslServerStep.InvalidCredentials();
        }

        // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage). The client knows the password when
        // H(ClientKey) equals StoredKey.
        byte[] clientSignature = _algorithm.ComputeHmac(_secret.StoredKey, authMessage);
        for (int i = 0; i < proof.Length; i++)
        {
            proof[i] ^= clientSignature[i];
        }

        byte[] storedKey = _algorithm.ComputeHash(proof);
        bool matches = CryptographicOperations.FixedTimeEquals(storedKey, _secret.StoredKey);
        CryptographicOperations.ZeroMemory(proof);
        if (!matches)
        {
            return SaslServerStep.InvalidCredentials();
        }

        byte[] serverSignature = _algorithm.ComputeHmac(_secret.ServerKey, authMessage);
        byte[] serverFinal = ScramText.Encode("v=" + Convert.ToBase64String(serverSignature));
        return SaslServerStep.Succeeded(_identity!, serverFinal);
    }

    private ScramSecret? FindSecret(string userName)
    {
        UserCredential? credential = _store.Find(userName);
        return credential?.GetSecret(_algorithm.Hash);
    }

    // Stable for a user name while the key stays the same, so that asking twice reveals nothing. The server keeps
    // its key in a file, so it survives restarts, and a store without a key gets one that lives as long as the process.
    // NOTE: unknown users always get 4096 iterations, which gives them away when real users have another count.
    private byte[] ComputeFakeSalt(string userName)
    {
        byte[] input = ScramText.Encode($"fake SCRAM salt\0{Name}\0{userName}");
        return CryptographicOperations.HmacData(HashAlgorithmName.SHA256, _fakeSaltKey, input)
            .AsSpan(0, ScramSecret.SaltLength)
            .ToArray();
    }
}
