using System.Text;

namespace Mupdate.Sasl;

/// <summary>The client side of PLAIN (RFC 4616), which sends the password in clear.</summary>
public sealed class PlainClientMechanism : ISaslClientMechanism
{
    private readonly byte[] _message;

    /// <summary>Creates a client that logs in as <paramref name="authenticationId"/>.</summary>
    /// <param name="authenticationId">The user name, which must not be empty.</param>
    /// <param name="password">The password, which must not be empty.</param>
    /// <param name="authorizationId">The identity to act as, or null to act as the user.</param>
    /// <exception cref="ArgumentException">A value is empty where required or contains NUL.</exception>
    public PlainClientMechanism(string authenticationId, string password, string? authorizationId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(authenticationId);
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (authenticationId.Contains('\0', StringComparison.Ordinal)
            || password.Contains('\0', StringComparison.Ordinal)
            || (authorizationId?.Contains('\0', StringComparison.Ordinal) ?? false))
        {
            throw new ArgumentException("PLAIN identities and passwords must not contain NUL");
        }

        _message = Encoding.UTF8.GetBytes($"{authorizationId}\0{authenticationId}\0{password}");
    }

    /// <inheritdoc/>
    public string Name => "PLAIN";

    /// <inheritdoc/>
    public bool IsComplete { get; private set; }

    /// <inheritdoc/>
    public byte[]? InitialResponse()
    {
        IsComplete = true;
        return (byte[])_message.Clone();
    }

    /// <inheritdoc/>
    /// <remarks>Accepts only the empty challenge that a server sends when no initial response came.</remarks>
    public byte[] EvaluateChallenge(ReadOnlySpan<byte> challenge)
    {
        if (IsComplete)
        {
            throw new SaslException("the server sent a PLAIN challenge after the client's response");
        }

        if (!challenge.IsEmpty)
        {
            throw new SaslException("the server sent a non-empty PLAIN challenge, but PLAIN expects an empty one");
        }

        IsComplete = true;
        return (byte[])_message.Clone();
    }
}
