using System.Globalization;
using System.Security.Cryptography;

namespace Mupdate.Sasl;

/// <summary>
/// The client side of SCRAM-SHA-1 and SCRAM-SHA-256 without channel binding. It verifies the server signature,
/// so a server that does not know the password cannot complete the exchange.
/// </summary>
public sealed class ScramClientMechanism : ISaslClientMechanism
{
    private const int NonceRandomBytes = 24;

    private readonly ScramAlgorithm _algorithm;
    private readonly string _password;
    private readonly string _gs2Header;
    private readonly string _clientFirstBare;
    private readonly string _clientNonce;

    private State _state = State.Initial;
    private byte[]? _expectedServerSignature;

    /// <summary>Creates a client that logs in as <paramref name="authenticationId"/>.</summary>
    /// <param name="hash">The SCRAM hash.</param>
    /// <param name="authenticationId">The user name, which is SASLprep'd.</param>
    /// <param name="password">The password, which is SASLprep'd.</param>
    /// <param name="authorizationId">The identity to act as, or null to act as the user.</param>
    /// <exception cref="ArgumentException">SASLprep rejects a value, or a required value is empty.</exception>
    public ScramClientMechanism(ScramHash hash, string authenticationId, string password, string? authorizationId = null)
        : this(hash, authenticationId, password, authorizationId, null)
    {
    }

    /// <summary>Creates a client with a fixed client nonce, for tests.</summary>
    internal ScramClientMechanism(
        ScramHash hash,
        string authenticationId,
        string password,
        string? authorizationId,
        string? clientNonce)
    {
        _algorithm = ScramAlgorithm.For(hash);
        string user = PrepareRequired(authenticationId, nameof(authenticationId));
        _password = PrepareRequired(password, nameof(password));
        string? authzid = string.IsNullOrEmpty(authorizationId)
            ? null
            : PrepareRequired(authorizationId, nameof(authorizationId));

        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceRandomBytes));
        if (!ScramText.IsValidNonce(_clientNonce))
        {
            throw new ArgumentException("the client nonce must be printable ASCII without ','", nameof(clientNonce));
        }

        bool actsAsSelf = authzid is null || string.Equals(authzid, user, StringComparison.Ordinal);
        _gs2Header = actsAsSelf ? "n,," : $"n,a={ScramText.EncodeSaslName(authzid!)},";
        _clientFirstBare = $"n={ScramText.EncodeSaslName(user)},r={_clientNonce}";
    }

    private enum State
    {
        Initial,
        AwaitingServerFirst,
        AwaitingServerFinal,
        Complete,
    }

    /// <inheritdoc/>
    public string Name => _algorithm.MechanismName;

    /// <inheritdoc/>
    public bool IsComplete => _state == State.Complete;

    /// <inheritdoc/>
    public byte[]? InitialResponse()
    {
        if (_state != State.Initial)
        {
            throw new InvalidOperationException($"the {Name} client-first-message was already produced");
        }

        _state = State.AwaitingServerFirst;
        return ScramText.Encode(_gs2Header + _clientFirstBare);
    }

    /// <inheritdoc/>
    public byte[] EvaluateChallenge(ReadOnlySpan<byte> challenge)
    {
        switch (_state)
        {
            case State.Initial when challenge.IsEmpty:
                // The server asked for the client-first-message because AUTHENTICATE carried none.
                return InitialResponse()!;
            case State.AwaitingServerFirst:
                byte[] clientFinal = EvaluateServerFirst(challenge);
                _state = State.AwaitingServerFinal;
                return clientFinal;
            case State.AwaitingServerFinal:
                VerifyServerFinal(challenge);
                _state = State.Complete;
                return [];
            default:
                throw new SaslException($"unexpected {Name} challenge from the server at this point of the exchange");
        }
    }

    private byte[] EvaluateServerFirst(ReadOnlySpan<byte> challenge)
    {
        string serverFirst = DecodeMessage(challenge, "server-first-message");
        string[] attributes = serverFirst.Split(',');
        if (ScramText.TryGetValue(attributes[0], 'm', out _))
        {
            throw Malformed("server-first-message", "it requires a mandatory extension (m=) this client lacks");
        }

        if (attributes.Length < 3
            || !ScramText.TryGetValue(attributes[0], 'r', out string? nonce)
            || !ScramText.TryGetValue(attributes[1], 's', out string? saltText)
            || !ScramText.TryGetValue(attributes[2], 'i', out string? iterationText))
        {
            throw Malformed("server-first-message", "expected r=nonce,s=salt,i=iterations");
        }

        if (!ScramText.IsValidNonce(nonce)
            || nonce.Length <= _clientNonce.Length
            || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal))
        {
            throw Malformed("server-first-message", "the nonce does not extend the client nonce");
        }

        if (!ScramText.TryDecodeBase64(saltText, out byte[]? salt) || salt.Length == 0)
        {
            throw Malformed("server-first-message", "the salt is empty or not valid base64");
        }

        if (!int.TryParse(iterationText, NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations < 1
            || iterations > ScramSecret.MaximumIterations)
        {
            throw Malformed(
                "server-first-message",
                $"the iteration count must be a number from 1 to {ScramSecret.MaximumIterations}");
        }

        string channelBinding = Convert.ToBase64String(ScramText.Encode(_gs2Header));
        string withoutProof = $"c={channelBinding},r={nonce}";
        byte[] authMessage = ScramText.Encode($"{_clientFirstBare},{serverFirst},{withoutProof}");
        byte[] proof = ComputeProofAndServerSignature(salt, iterations, authMessage);
        return ScramText.Encode($"{withoutProof},p={Convert.ToBase64String(proof)}");
    }

    // RFC 5802 section 3: ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage), with StoredKey = H(ClientKey).
    // The expected ServerSignature = HMAC(ServerKey, AuthMessage) is kept for the server-final-message.
    private byte[] ComputeProofAndServerSignature(byte[] salt, int iterations, byte[] authMessage)
    {
        byte[] password = ScramText.Encode(_password);
        byte[] saltedPassword = _algorithm.ComputeSaltedPassword(password, salt, iterations);
        byte[] clientKey = _algorithm.ComputeClientKey(saltedPassword);
        byte[] storedKey = _algorithm.ComputeHash(clientKey);
        byte[] serverKey = _algorithm.ComputeServerKey(saltedPassword);
        byte[] clientSignature = _algorithm.ComputeHmac(storedKey, authMessage);
        _expectedServerSignature = _algorithm.ComputeHmac(serverKey, authMessage);

        for (int i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= clientSignature[i];
        }

        CryptographicOperations.ZeroMemory(password);
        CryptographicOperations.ZeroMemory(saltedPassword);
        CryptographicOperations.ZeroMemory(serverKey);
        return clientKey;
    }

    private void VerifyServerFinal(ReadOnlySpan<byte> challenge)
    {
        string[] attributes = DecodeMessage(challenge, "server-final-message").Split(',');
        if (ScramText.TryGetValue(attributes[0], 'e', out string? serverError))
        {
            string shown = ScramText.IsPrintableAscii(serverError) ? serverError : "(unprintable error value)";
            throw new SaslException($"the server rejected the {Name} authentication: {shown}");
        }

        if (!ScramText.TryGetValue(attributes[0], 'v', out string? verifierText)
            || !ScramText.TryDecodeBase64(verifierText, out byte[]? verifier))
        {
            throw Malformed("server-final-message", "expected v=server-signature");
        }

        if (!CryptographicOperations.FixedTimeEquals(verifier, _expectedServerSignature))
        {
            throw new SaslException(
                $"the {Name} server signature is wrong: the server does not know the password, or is an impostor");
        }
    }

    private string DecodeMessage(ReadOnlySpan<byte> challenge, string messageName)
    {
        if (challenge.Length > ScramText.MaxMessageLength)
        {
            throw Malformed(messageName, $"longer than {ScramText.MaxMessageLength} bytes");
        }

        if (!ScramText.TryDecodeMessage(challenge, out string? text))
        {
            throw Malformed(messageName, "not valid UTF-8 or contains NUL");
        }

        return text;
    }

    private SaslException Malformed(string messageName, string reason) =>
        new($"malformed {Name} {messageName} from the server: {reason}");

    private static string PrepareRequired(string value, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, parameterName);
        if (!SaslPrep.TryPrepare(value, allowUnassigned: true, out string? prepared, out string? error))
        {
            throw new ArgumentException($"SASLprep rejects the value: it {error}", parameterName);
        }

        if (prepared.Length == 0)
        {
            throw new ArgumentException("the value is empty after SASLprep", parameterName);
        }

        return prepared;
    }
}
