using System.Diagnostics;
using System.Net.Sockets;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>SIGTERM to the running program: every client gets a BYE, and the process exits 0.</summary>
public sealed class ShutdownTests
{
    private const string ShutdownBye = "* BYE \"server shutting down\"";

    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_lineTimeout = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 60_000)]
    public Task SigtermSaysByeToEveryClient() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));
        MailboxEntry[] seed =
        [
            MailboxEntry.Active("user.a", "be1!default", MupdateAcl.Format(("a", "lrs"))),
            MailboxEntry.Reserved("user.b", "be2!default"),
        ];
        await using var idle = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        Assert.StartsWith("* OK MUPDATE", (await idle.ReadBannerAsync(s_lineTimeout, cancellationToken))[^1]);

        await using var loggedIn = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        await loggedIn.ReadBannerAsync(s_lineTimeout, cancellationToken);
        await loggedIn.LoginPlainAsync(server.AdminUser, server.AdminPassword, cancellationToken);

        // The streaming client writes the seed itself, so that no other session is open at SIGTERM.
        await using var streamingClient = await MupdateLogin.ConnectAsync(
            server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken);
        foreach (var entry in seed)
        {
            await MupdateSeeder.WriteEntryAsync(streamingClient, entry, cancellationToken);
        }

        var stream = await streamingClient.UpdateAsync(cancellationToken: cancellationToken);
        Assert.Equal(seed.Length, stream.Snapshot.Count);

        var stopwatch = Stopwatch.StartNew();
        var exitCode = await session.TimeAsync("SIGTERM until exit", () => server.TerminateAsync(s_exitTimeout));
        session.Record($"exited after {stopwatch.Elapsed.TotalSeconds:F3} s");
        Assert.True(exitCode is not null, $"the server did not exit within {s_exitTimeout.TotalSeconds:F0} s of SIGTERM");
        Assert.Equal(0, exitCode);

        Assert.Equal([ShutdownBye], await idle.ReadToEndAsync(s_lineTimeout, cancellationToken));
        Assert.Equal([ShutdownBye], await loggedIn.ReadToEndAsync(s_lineTimeout, cancellationToken));

        var bye = await stream.ReadAsync(s_lineTimeout, cancellationToken);
        Assert.NotNull(bye);
        Assert.Equal(UpdateEventKind.Bye, bye.Kind);
        Assert.Equal("*", bye.Tag);
        Assert.Equal("server shutting down", bye.Response.Text);
        Assert.Null(await stream.ReadAsync(s_lineTimeout, cancellationToken));

        var log = server.Process!.Output;
        Assert.Contains("Received SIGTERM; stopping", log, StringComparison.Ordinal);
        Assert.Contains("Stopped listening; closing 3 sessions", log, StringComparison.Ordinal);
        Assert.DoesNotContain("did not close within", log, StringComparison.Ordinal);
        Assert.Matches(@"(?m)\] Stopped$", log);

        using var late = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(
            () => late.ConnectAsync(server.Host, server.Port, cancellationToken).AsTask());
    });

    [Fact(Timeout = 60_000)]
    public Task SigintStopsLikeSigterm() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));
        await using var loggedIn = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        await loggedIn.ReadBannerAsync(s_lineTimeout, cancellationToken);
        await loggedIn.LoginPlainAsync(server.AdminUser, server.AdminPassword, cancellationToken);

        var exitCode = await server.TerminateAsync(s_exitTimeout, Posix.SigInt);

        Assert.Equal(0, exitCode);
        Assert.Equal([ShutdownBye], await loggedIn.ReadToEndAsync(s_lineTimeout, cancellationToken));
        Assert.Contains("Received SIGINT; stopping", server.Process!.Output, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task SigtermClosesStuckClientAfterGrace() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));

        await using var stuck = await StuckReader.ConnectAsync(server, cancellationToken);
        await session.TimeAsync("flood the stuck stream", () => StuckReader.FloodAsync(server, cancellationToken));

        var stopwatch = Stopwatch.StartNew();
        var exitCode = await session.TimeAsync(
            "SIGTERM until exit", () => server.TerminateAsync(TimeSpan.FromSeconds(15)));
        session.Record($"exited after {stopwatch.Elapsed.TotalSeconds:F3} s");
        Assert.True(exitCode is not null, "the server did not exit within 15 s of SIGTERM with a client that does not read");
        Assert.Equal(0, exitCode);
        Assert.True(
            stopwatch.Elapsed < TimeSpan.FromSeconds(10),
            $"exit took {stopwatch.Elapsed.TotalSeconds:F1} s, more than the 5 s shutdown grace allows");

        var log = server.Process!.Output;
        Assert.Contains("1 sessions did not close within 5 s; their sockets were closed", log, StringComparison.Ordinal);
        Assert.Matches(@"(?m)\] Stopped$", log);
    });
}
