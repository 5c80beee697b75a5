using System.Runtime.InteropServices;

namespace Mupdate.IO;

/// <summary>
/// Reads the start of a file with libc open(2) and read(2), bypassing FileStream. On Linux, a .NET
/// FileStream takes a flock(2) lock on the file it opens (shared unless <see cref="FileShare.None"/>),
/// and that shared lock fails while another open file holds the exclusive one, so FileStream cannot
/// read a held <see cref="LockFile"/>.
/// </summary>
internal static class UnlockedFileReader
{
    // Values of the Linux ABI, the same on x86-64 and arm64.
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;
    private const int Interrupted = 4;

    /// <summary>
    /// Returns up to <paramref name="maxBytes"/> bytes from the start of <paramref name="path"/>, or null
    /// when the file cannot be opened or read, or when this is not Linux.
    /// </summary>
    public static byte[]? TryReadStart(string path, int maxBytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var pathPointer = Marshal.StringToCoTaskMemUTF8(path);
        var buffer = Marshal.AllocHGlobal(maxBytes);
        var descriptor = -1;
        try
        {
            descriptor = Open(pathPointer, ReadOnly | CloseOnExec);
            if (descriptor < 0)
            {
                return null;
            }

            nint count;
            do
            {
                count = Read(descriptor, buffer, maxBytes);
            }
            while (count < 0 && Marshal.GetLastPInvokeError() == Interrupted);

            if (count < 0)
            {
                return null;
            }

            var bytes = new byte[count];
            Marshal.Copy(buffer, bytes, 0, (int)count);
            return bytes;
        }
        finally
        {
            if (descriptor >= 0)
            {
                _ = Close(descriptor);
            }

            Marshal.FreeHGlobal(buffer);
            Marshal.FreeCoTaskMem(pathPointer);
        }
    }

    // DllImport, not LibraryImport: the generated LibraryImport stubs need AllowUnsafeBlocks, which this project
    // does not set. Every parameter is blittable, so the runtime marshals nothing.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(nint path, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int descriptor, nint buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);
}
