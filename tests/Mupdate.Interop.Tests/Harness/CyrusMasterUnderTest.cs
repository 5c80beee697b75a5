namespace Mupdate.Interop.Tests.Harness;

/// <summary>Cyrus 3.6's own MUPDATE master as the master under test: the reference behaviour.</summary>
public sealed class CyrusMasterUnderTest : IMasterUnderTest
{
    private readonly CyrusInstance _instance;

    private CyrusMasterUnderTest(CyrusInstance instance)
    {
        _instance = instance;
    }

    public string DisplayName => "Cyrus 3.6 master";

    public string Host => _instance.Host;

    public int Port => _instance.Port!.Value;

    public string ServerName => _instance.ServerName;

    public string AdminUser => "mupdater";

    public string AdminPassword => "secret";

    public CyrusInstance Instance => _instance;

    public static async Task<CyrusMasterUnderTest> StartAsync(CancellationToken cancellationToken)
    {
        var options = new CyrusInstanceOptions { ServerName = "mupdate-master.test", TelemetryUsers = ["mupdater"] };
        var instance = await CyrusInstance.StartMasterAsync(options, cancellationToken).ConfigureAwait(false);
        return new CyrusMasterUnderTest(instance);
    }

    public Task SeedAsync(IReadOnlyList<MailboxEntry> entries, CancellationToken cancellationToken) =>
        MupdateSeeder.SeedAsync(Host, Port, AdminUser, AdminPassword, entries, cancellationToken);

    public string CollectDiagnostics() => _instance.CollectDiagnostics();

    public ValueTask DisposeAsync() => _instance.DisposeAsync();
}
