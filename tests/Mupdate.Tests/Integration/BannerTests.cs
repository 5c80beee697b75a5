using Mupdate.Server;

namespace Mupdate.Tests.Integration;

public sealed class BannerTests
{
    private static readonly string Version = new ServerOptions { ServerName = "x" }.ImplementationVersion;

    [Fact(Timeout = 10_000)]
    public async Task BannerListsEveryMechanismWithPlaintext()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync(readBanner: false);

        var banner = await connection.ReadBannerAsync();

        Assert.Equal(
            [
                "* AUTH \"SCRAM-SHA-256\" \"SCRAM-SHA-1\" \"PLAIN\"",
                "* PARTIAL-UPDATE",
                $"* OK MUPDATE \"{TestServer.ServerName}\" \"mupdate-dotnet\" \"{Version}\" \"(master)\"",
            ],
            banner);
    }

    [Fact(Timeout = 10_000)]
    public async Task BannerOmitsPlainWithoutPlaintext()
    {
        await using var server = await TestServer.StartAsync(allowPlaintext: false);
        await using var connection = await server.ConnectRawAsync(readBanner: false);

        var banner = await connection.ReadBannerAsync();

        Assert.Equal("* AUTH \"SCRAM-SHA-256\" \"SCRAM-SHA-1\"", banner[0]);
        Assert.Equal(3, banner.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task BannerKeepsOnlyMechanismListSubset()
    {
        await using var server = await TestServer.StartAsync(mechanismList: ["plain", "SCRAM-SHA-1", "DIGEST-MD5"]);
        await using var connection = await server.ConnectRawAsync(readBanner: false);

        var banner = await connection.ReadBannerAsync();

        Assert.Equal("* AUTH \"SCRAM-SHA-1\" \"PLAIN\"", banner[0]);
    }

    [Fact(Timeout = 10_000)]
    public async Task BannerIsTheFirstDataOnTheWire()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync(readBanner: false);

        var banner = await connection.ReadBannerAsync();
        var silent = await connection.StaysSilentAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal("* PARTIAL-UPDATE", banner[1]);
        Assert.StartsWith("* OK MUPDATE ", banner[^1], StringComparison.Ordinal);
        Assert.True(silent, "the server sent more than the banner before any command");
    }

    [Fact(Timeout = 10_000)]
    public async Task VersionHasThreeNumbers()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        Assert.Matches(@"^\d+\.\d+\.\d+$", client.Banner.Version);
        Assert.Equal(Version, client.Banner.Version);
        Assert.Equal("mupdate-dotnet", client.Banner.Implementation);
        Assert.Equal(TestServer.ServerName, client.Banner.ServerName);
        Assert.True(client.Banner.IsMaster);
        Assert.True(client.Banner.PartialUpdate);
    }
}
