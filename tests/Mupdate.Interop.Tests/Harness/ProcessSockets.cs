using System.Globalization;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>The TCP sockets a process has open, read from /proc (IPv4 only).</summary>
public static class ProcessSockets
{
    /// <summary>
    /// Returns whether process <paramref name="pid"/> still has a file descriptor for a TCP socket
    /// whose remote port is <paramref name="remotePort"/>, in any state (FIN_WAIT1 included).
    /// </summary>
    public static bool HoldsConnectionTo(int pid, int remotePort)
    {
        var inodes = new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
            .Select(descriptor => descriptor.LinkTarget)
            .OfType<string>()
            .Where(target => target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target["socket:[".Length..^1])
            .ToHashSet(StringComparer.Ordinal);

        // Format: "sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode ...",
        // with addresses as hex "IP:PORT".
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 9 && inodes.Contains(fields[9]))
            .Any(fields => RemotePort(fields[2]) == remotePort);
    }

    private static int RemotePort(string address)
    {
        var port = address[(address.IndexOf(':', StringComparison.Ordinal) + 1)..];
        return int.Parse(port, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
