using System.Globalization;
using System.Runtime.InteropServices;

namespace Mupdate.IO;

/// <summary>The user this process runs as, for messages that name the user whose file permissions matter.</summary>
public static class ProcessUser
{
    /// <summary>The effective user's name (from the user database, else <c>$USER</c>).</summary>
    public static string Name => Environment.UserName;

    /// <summary>Returns the name with the effective uid on Unix, such as <c>cyrus (uid 103)</c>.</summary>
    public static string Describe() => OperatingSystem.IsWindows()
        ? Name
        : string.Create(CultureInfo.InvariantCulture, $"{Name} (uid {GetEffectiveUserId()})");

    // No marshalling: the call takes nothing and returns a uid_t (32 bits on Linux).
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}
