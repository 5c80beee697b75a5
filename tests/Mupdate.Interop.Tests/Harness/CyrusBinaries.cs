namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Paths of the Cyrus IMAP 3.6 tools (Debian packages cyrus-murder, cyrus-clients, sasl2-bin)
/// and the check that decides whether the interop tests can run on this machine.
/// </summary>
public static class CyrusBinaries
{
    /// <summary>Set to 1 (as CI does) to turn a missing prerequisite into a test failure instead of a skip.</summary>
    public const string RequireVariable = "MUPDATE_REQUIRE_INTEROP";

    public const string CyrusUser = "cyrus";
    public const string CyrusGroup = "mail";

    /// <summary>Overrides the directory of master, mupdate, mupdatetest and ctl_mboxlist.</summary>
    public const string BinDirectoryVariable = "MUPDATE_CYRUS_BIN";

    /// <summary>
    /// Where the Cyrus daemons and tools are: <c>MUPDATE_CYRUS_BIN</c> if set, else the first of
    /// /usr/lib/cyrus/bin (Debian), /usr/libexec/cyrus-imapd and /usr/lib/cyrus-imapd that has a
    /// master(8).
    /// </summary>
    public static readonly string BinDirectory = LocateBinDirectory();

    public static readonly string Master = Path.Combine(BinDirectory, "master");
    public static readonly string Mupdate = Path.Combine(BinDirectory, "mupdate");
    public static readonly string Mupdatetest = Path.Combine(BinDirectory, "mupdatetest");
    public static readonly string CtlMboxlist = Path.Combine(BinDirectory, "ctl_mboxlist");
    public static readonly string SaslPasswd2 = LocateOnPath("saslpasswd2", "/usr/sbin", "/usr/bin");
    public static readonly string SetPriv = LocateOnPath("setpriv", "/usr/bin", "/bin");
    public static readonly string SetSid = LocateOnPath("setsid", "/usr/bin", "/bin");
    public static readonly string Chown = LocateOnPath("chown", "/bin", "/usr/bin");

    private static readonly Lazy<string?> s_missing = new(FindMissingPrerequisite);

    /// <summary>
    /// Skips the calling test, with the reason, when a Cyrus tool is missing or the test host does
    /// not run as root (master(8) must start as root to drop to user cyrus). When
    /// <c>MUPDATE_REQUIRE_INTEROP=1</c> the same reason fails the test instead.
    /// </summary>
    public static void RequireOrSkip()
    {
        var missing = s_missing.Value;
        if (missing is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail($"interop prerequisite missing ({RequireVariable}=1 makes this a failure): {missing}");
        }

        Assert.Skip($"interop prerequisite missing: {missing}");
    }

    private static string? FindMissingPrerequisite()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the interop tests need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "the test host must run as root: Cyrus master(8) starts as root and drops to user cyrus";
        }

        string[] tools = [Master, Mupdate, Mupdatetest, CtlMboxlist, SaslPasswd2, SetPriv, SetSid, Chown];
        var absent = tools.Where(tool => !File.Exists(tool)).ToList();
        if (absent.Count > 0)
        {
            return "not found: " + string.Join(", ", absent)
                + " (install the Debian packages cyrus-murder, cyrus-clients, sasl2-bin,"
                + $" or set {BinDirectoryVariable} to the directory of master and mupdate)";
        }

        if (!AccountExists("/etc/passwd", CyrusUser) || !AccountExists("/etc/group", CyrusGroup))
        {
            return $"user {CyrusUser} or group {CyrusGroup} does not exist (created by the cyrus-common package)";
        }

        return null;
    }

    private static string LocateBinDirectory()
    {
        if (Environment.GetEnvironmentVariable(BinDirectoryVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        string[] candidates = ["/usr/lib/cyrus/bin", "/usr/libexec/cyrus-imapd", "/usr/lib/cyrus-imapd"];
        return candidates.FirstOrDefault(directory => File.Exists(Path.Combine(directory, "master"))) ?? candidates[0];
    }

    /// <summary>Returns the first existing <paramref name="name"/> in the given directories, then in PATH.</summary>
    private static string LocateOnPath(string name, params string[] preferred)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return preferred.Concat(path)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists)
            ?? Path.Combine(preferred[0], name);
    }

    private static bool AccountExists(string databasePath, string name) =>
        File.Exists(databasePath)
        && File.ReadLines(databasePath).Any(line => line.StartsWith(name + ":", StringComparison.Ordinal));
}
