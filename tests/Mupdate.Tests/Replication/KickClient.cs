using System.Net.Sockets;
using System.Text;

namespace Mupdate.Tests.Replication;

/// <summary>A kick client: it connects to the kick socket and reads until the server closes the connection.</summary>
internal static class KickClient
{
    /// <summary>Connects to <paramref name="path"/> and returns every byte sent before the close, as text.</summary>
    public static async Task<string> KickAsync(string path, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var deadline = new CancellationTokenSource(timeout);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), deadline.Token);
        var received = new List<byte>();
        var buffer = new byte[64];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0)
            {
                return Encoding.ASCII.GetString([.. received]);
            }

            received.AddRange(buffer.AsSpan(0, read));
        }
    }
}
