namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Our server (src/Mupdate.Cli, <c>mupdate.dll</c>) as the master under test: a
/// <see cref="MupdateServerProcess"/> started with <c>-m</c>, whose admin user was added by
/// <c>mupdate passwd add</c>. Stopped by its PID: SIGTERM, then SIGKILL after 5 s.
/// </summary>
public sealed class OurMaster : IMasterUnderTest
{
    private readonly MupdateServerProcess _server;

    private OurMaster(MupdateServerProcess server)
    {
        _server = server;
    }

    public string DisplayName => "our master (mupdate.dll)";

    public string Host => _server.Host;

    public int Port => _server.Port;

    public string ServerName => _server.ServerName;

    public string AdminUser => _server.AdminUser;

    public string AdminPassword => _server.AdminPassword;

    public static async Task<OurMaster> StartAsync(CancellationToken cancellationToken)
    {
        var server = await MupdateServerProcess.CreateAsync(new ServerProcessOptions(), cancellationToken)
            .ConfigureAwait(false);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return new OurMaster(server);
        }
        catch (OperationCanceledException ex)
        {
            // The caller never got the master, so its logs must travel with the exception.
            var diagnostics = server.CollectDiagnostics();
            await server.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException(
                $"cancelled while starting our master:\n{diagnostics}", ex, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task SeedAsync(IReadOnlyList<MailboxEntry> entries, CancellationToken cancellationToken) =>
        MupdateSeeder.SeedAsync(Host, Port, AdminUser, AdminPassword, entries, cancellationToken);

    public string CollectDiagnostics() => _server.CollectDiagnostics();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
