using System.Net;
using System.Net.Sockets;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>Free TCP ports on 127.0.0.1, the only address the interop tests use.</summary>
public static class LoopbackPorts
{
    public const string Host = "127.0.0.1";

    /// <summary>
    /// Returns a port that was free a moment ago: binds 127.0.0.1:0, reads the port the kernel
    /// chose and closes the socket.
    /// </summary>
    /// <remarks>NOTE: another process could take the port before the daemon binds it.</remarks>
    public static int Allocate()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
