using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>An UPDATE client that never reads, and the load that makes the server's writes to it block.</summary>
public static class StuckReader
{
    /// <summary>Logs in on a raw connection with a 4 KB receive buffer, sends UPDATE and reads nothing after it.</summary>
    public static async Task<RawConnection> ConnectAsync(MupdateServerProcess server, CancellationToken cancellationToken)
    {
        var connection = await RawConnection.ConnectAsync(
            server.Host, server.Port, cancellationToken, receiveBufferSize: 4096);
        try
        {
            await connection.ReadBannerAsync(TimeSpan.FromSeconds(10), cancellationToken);
            await connection.LoginPlainAsync(server.AdminUser, server.AdminPassword, cancellationToken);
            await connection.WriteLineAsync("U1 UPDATE", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Activates 200 mailboxes with 60 KB ACLs as the admin: 12 MB of changes for every stream,
    /// more than the socket buffers of a loopback connection take (4 MB by default on Linux).
    /// </summary>
    public static async Task FloodAsync(MupdateServerProcess server, CancellationToken cancellationToken)
    {
        await using var admin = await MupdateLogin.ConnectAsync(
            server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken);
        var bigAcl = MupdateAcl.Format(("owner", "lrswipkxtecda"), (new string('g', 60_000), "lr"));
        for (var i = 0; i < 200; i++)
        {
            await admin.ActivateAsync($"user.big{i}", "be1!default", bigAcl, cancellationToken);
        }
    }
}
