using System.Globalization;
using System.Net.Sockets;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Our server (src/Mupdate.Cli, <c>mupdate.dll</c>) as a MUPDATE slave: a
/// <see cref="MupdateServerProcess"/> started without <c>-m</c>, with mupdate_server and the login
/// of <see cref="MupdateUplink"/> in its imapd.conf. Its own clients log in as the admin user that
/// <c>mupdate passwd add</c> created. Stopped by its PID: SIGTERM, then SIGKILL after 5 s.
/// </summary>
public sealed class OurSlave : IAsyncDisposable, IDiagnosticsSource
{
    private readonly MupdateServerProcess _server;

    private OurSlave(MupdateServerProcess server, MupdateUplink uplink)
    {
        _server = server;
        Uplink = uplink;
    }

    public MupdateUplink Uplink { get; }

    public string Host => _server.Host;

    public int Port => _server.Port;

    public string ServerName => _server.ServerName;

    /// <summary>The user the slave's own clients log in as, created by <c>mupdate passwd add</c>.</summary>
    public string User => _server.AdminUser;

    public string Password => _server.AdminPassword;

    /// <summary>The listener's <c>* OK MUPDATE</c> line, which our slave sends before its first sync too.</summary>
    public string? Banner => _server.Banner;

    public string KickSocketPath => Path.Combine(_server.ConfigDirectory, "socket", "mupdate.target");

    /// <summary>
    /// Lays out the slave's directory, starts it and waits for its banner. It does not wait for
    /// the first sync: call <see cref="WaitUntilLinkedAsync"/>. The uplink's
    /// <see cref="MupdateUplink.ForceClientMechanism"/> becomes force_sasl_client_mech when set, and
    /// <see cref="MupdateUplink.RetryDelaySeconds"/> becomes mupdate_retry_delay.
    /// </summary>
    public static async Task<OurSlave> StartAsync(MupdateUplink uplink, CancellationToken cancellationToken)
    {
        var config = new Dictionary<string, string>
        {
            ["mupdate_server"] = $"{uplink.Host}:{uplink.Port}",
            ["mupdate_authname"] = uplink.AuthName,
            ["mupdate_password"] = uplink.Password,
            ["mupdate_retry_delay"] = uplink.RetryDelaySeconds.ToString(CultureInfo.InvariantCulture),
        };
        if (uplink.ForceClientMechanism is { } mechanism)
        {
            config["force_sasl_client_mech"] = mechanism;
        }

        var options = new ServerProcessOptions { ServerName = "mupdate-ours-slave.test", ExtraConfig = config };
        var server = await MupdateServerProcess.CreateAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            await server.StartAsync(cancellationToken, roleArguments: []).ConfigureAwait(false);
            return new OurSlave(server, uplink);
        }
        catch (OperationCanceledException ex)
        {
            // The caller never got the slave, so its logs must travel with the exception.
            var diagnostics = server.CollectDiagnostics();
            await server.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException(
                $"cancelled while starting our slave:\n{diagnostics}", ex, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Kicks once and returns the reply: <c>ok</c> after a NOOP round trip to the master, or an
    /// empty string when the slave closed the kick without a reply (no link to the master yet).
    /// </summary>
    public Task<string> KickAsync(CancellationToken cancellationToken) =>
        KickSocket.KickAsync(KickSocketPath, TimeSpan.FromSeconds(15), cancellationToken);

    /// <summary>
    /// Kicks every 100 ms until a kick gets <c>ok</c>. The slave accepts kicks only while it streams
    /// from its master, which starts after the link's resync committed, so <c>ok</c> means the store
    /// contains the master's list as of that link.
    /// </summary>
    public async Task WaitUntilLinkedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string reply;
            try
            {
                reply = await KickAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                // The socket file appears only once the program has bound it.
                reply = ex.Message;
            }

            if (reply == "ok")
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"our slave did not resync and stream from {Uplink.Host}:{Uplink.Port} within "
                    + $"{timeout.TotalSeconds:F0} s; the last kick got '{reply}'");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    public string CollectDiagnostics() => _server.CollectDiagnostics();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
