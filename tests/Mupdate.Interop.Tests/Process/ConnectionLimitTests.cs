using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary><c>mupdate_connections_max</c> enforced by the running program.</summary>
public sealed class ConnectionLimitTests
{
    private const int ConnectionsMax = 3;

    private static readonly TimeSpan s_lineTimeout = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 60_000)]
    public Task FourthConnectionGetsBye() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync(new ServerProcessOptions
        {
            ExtraConfig = new Dictionary<string, string> { ["mupdate_connections_max"] = "3" },
        });
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));

        var served = new List<MupdateClient>();
        try
        {
            for (var i = 0; i < ConnectionsMax; i++)
            {
                served.Add(await MupdateLogin.ConnectAsync(
                    server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken));
            }

            await AssertRefusedAsync(server, cancellationToken);
            var refusal = await Assert.ThrowsAsync<MupdateCommandException>(
                () => MupdateClient.ConnectAsync(server.Host, server.Port, cancellationToken: cancellationToken));
            Assert.Equal("BYE", refusal.Status);
            Assert.Equal("Server Unable", refusal.Text);

            // The refusals took no slot: every served session still works.
            foreach (var client in served)
            {
                await client.NoopAsync(cancellationToken);
            }

            await served[0].LogoutAsync(cancellationToken);
            await served[0].DisposeAsync();
            served.RemoveAt(0);

            await using var replacement = await session.TimeAsync(
                "connect after one closed", () => ConnectOnceFreedAsync(server, cancellationToken));
            await replacement.LoginPlainAsync(server.AdminUser, server.AdminPassword, cancellationToken);
            await replacement.WriteLineAsync("N1 NOOP", cancellationToken);
            Assert.StartsWith("N1 OK", await replacement.ReadLineAsync(s_lineTimeout, cancellationToken));

            // Two old sessions and the replacement fill the limit again.
            await AssertRefusedAsync(server, cancellationToken);
        }
        finally
        {
            foreach (var client in served)
            {
                await client.DisposeAsync();
            }
        }

        Assert.Contains(
            "connections open, the maximum (mupdate_connections_max)",
            File.ReadAllText(server.LogPath),
            StringComparison.Ordinal);
    });

    /// <summary>Asserts that a new connection gets exactly <c>* BYE "Server Unable"</c> and then end of stream.</summary>
    private static async Task AssertRefusedAsync(MupdateServerProcess server, CancellationToken cancellationToken)
    {
        await using var connection = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        var lines = await connection.ReadToEndAsync(s_lineTimeout, cancellationToken);
        Assert.Equal(["* BYE \"Server Unable\""], lines);
    }

    /// <summary>
    /// Connects until the server sends a banner instead of the refusal: the server frees the slot
    /// of a closed session only once that session has ended, a moment after the close.
    /// </summary>
    private static async Task<RawConnection> ConnectOnceFreedAsync(
        MupdateServerProcess server, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var connection = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
            var banner = await connection.ReadBannerAsync(s_lineTimeout, cancellationToken);
            if (banner[^1].StartsWith("* OK MUPDATE", StringComparison.Ordinal))
            {
                return connection;
            }

            await connection.DisposeAsync();
            Assert.Equal("* BYE \"Server Unable\"", banner[^1]);
            Assert.True(DateTime.UtcNow < deadline, "no connection was served within 10 s after one of three closed");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
