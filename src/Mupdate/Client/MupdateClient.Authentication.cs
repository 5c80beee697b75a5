using System.Buffers;
using System.Text;
using Mupdate.Protocol;
using Mupdate.Sasl;

namespace Mupdate.Client;

public sealed partial class MupdateClient
{
    /// <summary>
    /// Logs in with <paramref name="mechanism"/>, or with the best mechanism both sides have
    /// (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN). Challenges and responses are bare base64 lines, as RFC
    /// 3656 section 4.2 and Cyrus have them; the initial response goes as a <c>{n+}</c> literal.
    /// Throws <see cref="MupdateAuthenticationException"/> when no mechanism fits or the server responds with NO.
    /// </summary>
    public async Task AuthenticateAsync(
        string authenticationId,
        string password,
        string? authorizationId = null,
        string? mechanism = null,
        CancellationToken cancellationToken = default)
    {
        var client = CreateMechanism(authenticationId, password, authorizationId, mechanism);
        var tag = NextTag();
        var command = new ArrayBufferWriter<byte>();
        command.Write(Encoding.ASCII.GetBytes($"{tag} AUTHENTICATE "));
        ResponseWriter.WriteQuoted(command, client.Name);
        if (client.InitialResponse() is { } initial)
        {
            command.Write(" "u8);
            WriteArgument(command, initial.Length == 0 ? "=" : Convert.ToBase64String(initial));
        }

        command.Write("\r\n"u8);
        await WriteAsync(command.WrittenMemory, cancellationToken).ConfigureAwait(false);

        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                ResponseParser.TryParse(Encoding.UTF8.GetBytes(line + "\r\n"), _options.MaxResponseSize, out var status);
                if (status!.Word == "OK")
                {
                    if (client is ScramClientMechanism { IsComplete: false })
                    {
                        throw new MupdateAuthenticationException("server accepted the login without proving it knows the password");
                    }

                    User = authorizationId ?? authenticationId;
                    return;
                }

                throw new MupdateAuthenticationException($"login as {authenticationId} with {client.Name} rejected by the server: {status.Word} \"{status.Text}\"");
            }

            byte[] challenge;
            try
            {
                challenge = Convert.FromBase64String(line);
            }
            catch (FormatException)
            {
                throw new MupdateProtocolException($"expected a base64 SASL challenge or {tag} OK/NO, got: {Truncate(line)}");
            }

            byte[] response;
            try
            {
                response = client.EvaluateChallenge(challenge);
            }
            catch (SaslException exception)
            {
                await WriteAsync("*\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                throw new MupdateAuthenticationException($"login with {client.Name} failed: {exception.Message}");
            }

            await WriteAsync(Encoding.ASCII.GetBytes(Convert.ToBase64String(response) + "\r\n"), cancellationToken).ConfigureAwait(false);
        }
    }

    private ISaslClientMechanism CreateMechanism(string authenticationId, string password, string? authorizationId, string? mechanism)
    {
        if (mechanism is null)
        {
            return SaslClientMechanisms.Choose(Banner.Mechanisms, authenticationId, password, authorizationId)
                ?? throw new MupdateAuthenticationException(
                    $"no common SASL mechanism: the server offers {Describe(Banner.Mechanisms)}; this client supports {string.Join(' ', SaslClientMechanisms.PreferenceOrder)}");
        }

        if (!Banner.Mechanisms.Contains(mechanism, StringComparer.OrdinalIgnoreCase))
        {
            throw new MupdateAuthenticationException($"the server does not offer {mechanism}; it offers {Describe(Banner.Mechanisms)}");
        }

        return SaslClientMechanisms.Choose([mechanism], authenticationId, password, authorizationId)
            ?? throw new MupdateAuthenticationException($"this client does not support {mechanism}; it supports {string.Join(' ', SaslClientMechanisms.PreferenceOrder)}");
    }

    private static string Describe(IReadOnlyList<string> mechanisms) => mechanisms.Count == 0 ? "none" : string.Join(' ', mechanisms);

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";

    /// <summary>Reads one raw line (without its line end), for the SASL exchange.</summary>
    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ResponseTimeout);
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await _input.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MupdateTimeoutException($"no response from the server within {_options.ResponseTimeout.TotalSeconds:0} s");
            }

            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                _input.AdvanceTo(buffer.GetPosition(1, end));
                return line;
            }

            if (buffer.Length > _options.MaxResponseSize)
            {
                throw new MupdateProtocolException($"server line longer than {_options.MaxResponseSize} bytes");
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new MupdateProtocolException("server closed the connection during authentication");
            }
        }
    }
}
