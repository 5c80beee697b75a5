using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary><c>mupdate example DIR</c>: a master with the embedded configuration, for a first look.</summary>
public sealed class ExampleCommandTests
{
    [Fact(Timeout = 60_000)]
    public Task ExampleServesAndStops() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync(new ServerProcessOptions { AddAdmin = false });
        var directory = Path.Combine(server.Directory, "example");
        var listen = $"{server.Host}:{server.Port}";

        await session.TimeAsync(
            "start mupdate example",
            () => server.StartProgramAsync(["example", directory, "--listen", listen], cancellationToken));

        var config = File.ReadAllText(Path.Combine(directory, "imapd.conf"));
        Assert.Contains($"configdirectory: {directory}/conf\n", config, StringComparison.Ordinal);
        Assert.Contains("admins: mupdater\n", config, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "conf", "mupdate.credentials")));
        Assert.EndsWith("\"(master)\"", server.Banner, StringComparison.Ordinal);
        Assert.Contains($"starting a master on {listen}", server.Process!.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("; listening on", server.Process.Output, StringComparison.Ordinal);

        await using (var client = await MupdateLogin.ConnectAsync(
            server.Host, server.Port, "mupdater", "secret", cancellationToken))
        {
            Assert.Equal("mupdater", client.User);
            await client.ActivateAsync("user.example", "be1!default", "mupdater\tlrswipkxtecda\t", cancellationToken);
            var found = await client.FindAsync("user.example", cancellationToken);
            Assert.NotNull(found);
            Assert.Equal("be1!default", found.Location);
        }

        var exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, exitCode);
        Assert.Contains("Stopped", server.Process.Output, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task ExampleOnBusyPortClaimsNoListener() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        // Before the bind, the example must not say it is listening: here the bind fails.
        var server = await session.CreateServerAsync(new ServerProcessOptions { AddAdmin = false });
        var directory = Path.Combine(server.Directory, "example");
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, server.Port);
        occupant.Start();

        var result = await server.RunToolAsync(
            ["example", directory, "--listen", $"{server.Host}:{server.Port}"],
            null,
            session.CancellationToken,
            TimeSpan.FromSeconds(20));

        Assert.Equal(69, result.ExitCode);
        Assert.DoesNotContain("listening on", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"starting a master on {server.Host}:{server.Port}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"cannot listen on {server.Host}:{server.Port}", result.Stderr, StringComparison.Ordinal);
    });
}
