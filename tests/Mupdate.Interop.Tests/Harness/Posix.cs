using System.Runtime.InteropServices;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>The few libc calls the harness needs to signal the processes and groups it started.</summary>
internal static partial class Posix
{
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int NoSuchProcess = 3;

    /// <summary>
    /// Sends <paramref name="signal"/> to the process group led by <paramref name="groupId"/>
    /// (<c>kill(-pgid, sig)</c>). Returns false when no process of that group is left.
    /// </summary>
    public static bool SignalGroup(int groupId, int signal) => Signal(-groupId, signal);

    /// <summary>Sends <paramref name="signal"/> to one process. Returns false when it is gone.</summary>
    public static bool SignalProcess(int processId, int signal) => Signal(processId, signal);

    /// <summary>Whether any process of the group led by <paramref name="groupId"/> still runs.</summary>
    public static bool GroupExists(int groupId) => Signal(-groupId, 0);

    /// <summary>Reads the process group id of a running process from /proc, or null when it is gone.</summary>
    public static int? ReadProcessGroup(int processId)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // Format: "pid (comm) state ppid pgrp ...". The command name may contain spaces and
        // parentheses, so the fields are counted from the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool Signal(int target, int signal)
    {
        if (Kill(target, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == NoSuchProcess)
        {
            return false;
        }

        throw new InvalidOperationException($"kill({target}, {signal}) failed with errno {errno}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
