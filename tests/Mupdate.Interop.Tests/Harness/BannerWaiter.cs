using System.Net.Sockets;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>Waits until a MUPDATE server on a port sends its <c>* OK MUPDATE</c> banner line.</summary>
public static class BannerWaiter
{
    /// <summary>
    /// Connects again and again until the banner arrives, and returns its <c>* OK</c> line.
    /// Fails early when <paramref name="process"/> exits. A Cyrus 3.6 slave accepts the
    /// connection at once (master(8) owns the listening socket) but sends the banner only after its
    /// first full sync, so one connection may wait long, up to the deadline.
    /// </summary>
    public static async Task<string> WaitAsync(
        string host,
        int port,
        ChildProcess process,
        TimeSpan timeout,
        Func<string> diagnostics,
        CancellationToken cancellationToken)
    {
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, process.ExitedToken);
        giveUp.CancelAfter(timeout);
        var lastError = "no connection attempt finished";
        try
        {
            while (true)
            {
                try
                {
                    return await ReadBannerAsync(host, port, giveUp.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    lastError = ex.Message;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), giveUp.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{process.CommandLine} exited with code {process.ExitCode} before a banner on {host}:{port}\n"
                    + diagnostics());
            }

            throw new TimeoutException(
                $"no '* OK MUPDATE' banner on {host}:{port} within {timeout.TotalSeconds:F0} s "
                + $"(last error: {lastError})\n{diagnostics()}");
        }
    }

    private static async Task<string> ReadBannerAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(tcp.GetStream(), Encoding.UTF8);
        var received = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"connection closed before the banner; received: {received}");
            received.Append(line).Append(" | ");
            if (line.StartsWith("* OK", StringComparison.Ordinal))
            {
                return line.StartsWith("* OK MUPDATE", StringComparison.Ordinal)
                    ? line
                    : throw new IOException($"'* OK' line is not a MUPDATE banner: {line}");
            }
        }
    }
}
