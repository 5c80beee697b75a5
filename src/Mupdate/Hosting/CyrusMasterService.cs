using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Mupdate.Hosting;

/// <summary>
/// The service side of Cyrus's master(8): when master(8) starts this program for a
/// <c>SERVICES</c> entry, descriptor 4 is the listening socket it bound and descriptor 3 the
/// write end of its status pipe. A threaded Cyrus service accepts on descriptor 4 and reports
/// each connection on descriptor 3 as an 8-byte message (the code 4, CONNECTION_MULTI, and the
/// process id, in native byte order), so master(8) keeps it counted as ready.
/// </summary>
public sealed class CyrusMasterService : IDisposable
{
    private const int StatusDescriptor = 3;
    private const int ListenDescriptor = 4;
    private const int ConnectionMulti = 4;

    // SOL_SOCKET and SO_ACCEPTCONN on Linux, read raw because .NET maps no option name to them.
    private const int SocketLevel = 1;
    private const int AcceptConnection = 30;

    private readonly FileStream? _status;
    private readonly byte[] _message = new byte[8];
    private readonly Lock _lock = new();

    private CyrusMasterService(Socket listener, FileStream? status)
    {
        Listener = listener;
        _status = status;
        // BitConverter writes in this machine's byte order, which is what master(8) reads.
        BitConverter.TryWriteBytes(_message, ConnectionMulti);
        BitConverter.TryWriteBytes(_message.AsSpan(4), Environment.ProcessId);
    }

    /// <summary>The listening socket master(8) passed on descriptor 4.</summary>
    public Socket Listener { get; }

    /// <summary>
    /// Returns the service when this process runs under master(8): <c>CYRUS_SERVICE</c> is set and
    /// descriptor 4 is a listening stream socket. Returns null otherwise, and the program listens
    /// on its own.
    /// </summary>
    public static CyrusMasterService? TryAttach()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CYRUS_SERVICE")) || OperatingSystem.IsWindows())
        {
            return null;
        }

        Socket listener;
        try
        {
            listener = new Socket(new SafeSocketHandle(ListenDescriptor, ownsHandle: true));
        }
        catch (SocketException)
        {
            // Descriptor 4 is closed or not a socket: not started by master(8) for a listener.
            return null;
        }

        try
        {
            var listening = new byte[4];
            if (listener.SocketType != SocketType.Stream
                || listener.GetRawSocketOption(SocketLevel, AcceptConnection, listening) != 4
                || BitConverter.ToInt32(listening) == 0)
            {
                listener.Dispose();
                return null;
            }
        }
        catch (SocketException)
        {
            listener.Dispose();
            return null;
        }

        FileStream? status = null;
        try
        {
            status = new FileStream(new SafeFileHandle(StatusDescriptor, ownsHandle: true), FileAccess.Write, bufferSize: 0);
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // Without the status pipe master(8) only miscounts connections, so serving goes on.
        }

        return new CyrusMasterService(listener, status);
    }

    /// <summary>Tells master(8) that a connection was accepted, ignoring errors because master(8) may be gone.</summary>
    /// <remarks>
    /// NOTE: the tests check that master(8) keeps one service process, but not that it reads these
    /// messages; the format follows Cyrus 3.6's service-thread code as documented, not a capture.
    /// </remarks>
    public void ReportConnection()
    {
        if (_status is null)
        {
            return;
        }

        lock (_lock)
        {
            try
            {
                _status.Write(_message);
            }
            catch (IOException)
            {
                // master(8) exited or closed its end of the pipe. Serving goes on without the count.
            }
        }
    }

    public void Dispose()
    {
        _status?.Dispose();
        Listener.Dispose();
    }
}
