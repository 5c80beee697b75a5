using System.Text;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// The SCRAM salt an unknown user gets must stay the same across restarts, as a real user's stored salt does, or
/// comparing the salts from before and after a restart tells which users exist.
/// </summary>
public sealed class FakeSaltRestartTests
{
    private static readonly TimeSpan s_readTimeout = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 60_000)]
    public Task UnknownUserSaltSurvivesRestart() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        var keyFile = Path.Combine(server.ConfigDirectory, "mupdate.credentials.saltkey");

        await session.TimeAsync("first start", () => server.StartAsync(cancellationToken));
        var unknownBefore = await SaltOfAsync(server, "nobody", cancellationToken);
        var adminBefore = await SaltOfAsync(server, server.AdminUser, cancellationToken);
        Assert.Equal(0, await server.TerminateAsync(TimeSpan.FromSeconds(10)));

        await session.TimeAsync("second start", () => server.StartAsync(cancellationToken));
        var unknownAfter = await SaltOfAsync(server, "nobody", cancellationToken);
        var adminAfter = await SaltOfAsync(server, server.AdminUser, cancellationToken);

        Assert.Equal(adminBefore, adminAfter);
        Assert.Equal(unknownBefore, unknownAfter);
        Assert.NotEqual(unknownBefore, adminBefore);
        Assert.True(File.Exists(keyFile), $"{keyFile} was not created");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var log = await File.ReadAllTextAsync(server.LogPath, cancellationToken);
        Assert.Single(log.Split('\n'), line => line.Contains($"Created the salt key file {keyFile}", StringComparison.Ordinal));
    });

    /// <summary>Sends a SCRAM-SHA-256 client-first-message for <paramref name="user"/> and returns the s= of the reply.</summary>
    private static async Task<string> SaltOfAsync(MupdateServerProcess server, string user, CancellationToken cancellationToken)
    {
        await using var connection = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        await connection.ReadBannerAsync(s_readTimeout, cancellationToken);
        var clientFirst = Convert.ToBase64String(Encoding.UTF8.GetBytes($"n,,n={user},r=fyko+d2lbbFgONRv9qkxdawL"));
        await connection.WriteLineAsync($"A01 AUTHENTICATE \"SCRAM-SHA-256\" \"{clientFirst}\"", cancellationToken);

        var challenge = await connection.ReadLineAsync(s_readTimeout, cancellationToken)
            ?? throw new IOException("the server closed the connection instead of sending the server-first-message");
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(challenge));
        await connection.WriteLineAsync("*", cancellationToken);

        var salt = serverFirst.Split(',').SingleOrDefault(attribute => attribute.StartsWith("s=", StringComparison.Ordinal));
        return salt ?? throw new InvalidDataException($"no salt in the server-first-message \"{serverFirst}\"");
    }
}
