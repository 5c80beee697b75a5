using System.Net.Sockets;
using System.Text;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Client side of the kick socket <c>configdirectory/socket/mupdate.target</c> (AF_UNIX,
/// stream): connect, send nothing, read until the peer closes. A Cyrus 3.6 slave writes
/// <c>ok</c> after its next NOOP round trip to the master. A master writes <c>ok</c> at once.
/// </summary>
public static class KickSocket
{
    public static async Task<string> KickAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
            var reply = new StringBuilder();
            var buffer = new byte[2048];
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return reply.ToString();
                }

                reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"kick of {socketPath} got no reply within {timeout.TotalSeconds:F0} s");
        }
    }
}
