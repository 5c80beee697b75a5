using Mupdate.Client;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>Opens sessions of the product's <see cref="MupdateClient"/> for the tests.</summary>
public static class MupdateLogin
{
    /// <summary>
    /// Connects, logs in with PLAIN (empty authorization id) and returns the client. Throws
    /// <see cref="MupdateAuthenticationException"/> unless the login succeeds. PLAIN is used because
    /// every peer in the tests offers it and it costs no PBKDF2 rounds.
    /// </summary>
    public static async Task<MupdateClient> ConnectAsync(
        string host,
        int port,
        string user,
        string password,
        CancellationToken cancellationToken,
        MupdateClientOptions? options = null)
    {
        var client = await MupdateClient.ConnectAsync(host, port, options, cancellationToken).ConfigureAwait(false);
        try
        {
            await client.AuthenticateAsync(user, password, mechanism: "PLAIN", cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
