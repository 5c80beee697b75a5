using System.Diagnostics;
using System.Net.Sockets;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// SIGTERM, SIGINT or SIGQUIT to the running program: every client gets a BYE, and the process exits 0. SIGHUP is
/// logged and ignored.
/// </summary>
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

    [Theory(Timeout = 60_000)]
    [InlineData(Posix.SigInt, "SIGINT")]
    [InlineData(Posix.SigQuit, "SIGQUIT")] // Cyrus 3.6 shuts down on SIGQUIT too, so scripts written for it may send it.
    public Task SignalStopsLikeSigterm(int signal, string name) => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));
        await using var loggedIn = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        await loggedIn.ReadBannerAsync(s_lineTimeout, cancellationToken);
        await loggedIn.LoginPlainAsync(server.AdminUser, server.AdminPassword, cancellationToken);

        var exitCode = await server.TerminateAsync(s_exitTimeout, signal);

        Assert.Equal(0, exitCode);
        Assert.Equal([ShutdownBye], await loggedIn.ReadToEndAsync(s_lineTimeout, cancellationToken));
        Assert.Contains($"Received {name}; stopping", server.Process!.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)\] Stopped$", server.Process.Output);
    });

    [Fact(Timeout = 60_000)]
    public Task SighupIsLoggedAndIgnored() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));
        await using var loggedIn = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        await loggedIn.ReadBannerAsync(s_lineTimeout, cancellationToken);
        await loggedIn.LoginPlainAsync(server.AdminUser, server.AdminPassword, cancellationToken);

        // One at a time, because the kernel merges a second SIGHUP that arrives while the first is pending.
        for (var count = 1; count <= 2; count++)
        {
            server.Process!.Signal(Posix.SigHup);
            await Poll.UntilAsync(
                () => CountOf("Received SIGHUP; ignored", server.Process.Output) == count,
                $"the server logs SIGHUP number {count}",
                s_lineTimeout,
                cancellationToken);
        }

        // The session opened before the signals still works, and new clients are still served.
        await loggedIn.WriteLineAsync("N1 NOOP", cancellationToken);
        Assert.Equal("N1 OK \"Noop done\"", await loggedIn.ReadLineAsync(s_lineTimeout, cancellationToken));
        await using var later = await RawConnection.ConnectAsync(server.Host, server.Port, cancellationToken);
        Assert.StartsWith("* OK MUPDATE", (await later.ReadBannerAsync(s_lineTimeout, cancellationToken))[^1]);
        Assert.False(server.Process!.HasExited);
        Assert.Contains("the credential file is reloaded automatically", server.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("stopping", server.Process.Output, StringComparison.Ordinal);

        Assert.Equal(0, await server.TerminateAsync(s_exitTimeout));
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

    private static int CountOf(string text, string output) =>
        output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));
}
