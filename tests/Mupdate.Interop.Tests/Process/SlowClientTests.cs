using System.Text.RegularExpressions;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary><c>mupdate_write_timeout</c> with a real process: a client that stops reading is dropped.</summary>
public sealed class SlowClientTests
{
    [Fact(Timeout = 60_000)]
    public Task WriteTimeoutClosesStuckSession() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync(new ServerProcessOptions
        {
            ExtraConfig = new Dictionary<string, string> { ["mupdate_write_timeout"] = "2s" },
        });
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));

        await using var stuck = await StuckReader.ConnectAsync(server, cancellationToken);
        await session.TimeAsync("flood the stuck stream", () => StuckReader.FloodAsync(server, cancellationToken));

        var process = server.Process!;
        Assert.True(
            ProcessSockets.HoldsConnectionTo(process.Pid, stuck.LocalPort),
            $"no socket of PID {process.Pid} has remote port {stuck.LocalPort}, "
            + "so the release check below would prove nothing");
        var id = Regex.Match(process.Output, @"Connection (\d+): mupdater started an UPDATE stream").Groups[1].Value;
        Assert.NotEqual("", id);
        await session.TimeAsync("wait for the stream to end", () => Poll.UntilAsync(
            () => process.Output.Contains($"Connection {id}: UPDATE stream ended", StringComparison.Ordinal),
            $"connection {id} logged the end of its stream",
            TimeSpan.FromSeconds(15),
            cancellationToken));

        // Once the stream ended on the 2 s write timeout, the session must close: release its socket
        // and log its end.
        await session.TimeAsync("wait for the socket to be released", () => Poll.UntilAsync(
            () => !ProcessSockets.HoldsConnectionTo(process.Pid, stuck.LocalPort),
            $"the server closed its socket of connection {id}",
            TimeSpan.FromSeconds(5),
            cancellationToken));
        await session.TimeAsync("wait for the session to close", () => Poll.UntilAsync(
            () => process.Output.Contains($"Connection {id} of user mupdater closed", StringComparison.Ordinal),
            $"connection {id} logged its close",
            TimeSpan.FromSeconds(5),
            cancellationToken));
        Assert.DoesNotContain($"Connection {id} failed", process.Output, StringComparison.Ordinal);

        var exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, exitCode);
    });
}
