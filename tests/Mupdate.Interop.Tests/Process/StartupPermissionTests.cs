using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// Start-up as user cyrus on files it cannot read or that are not what they should be: each ends in exit 78
/// with one line that names the path, the reason and the fix, never in an unhandled exception.
/// </summary>
public sealed class StartupPermissionTests
{
    private const UnixFileMode OpenDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode ReadableFile = UnixFileMode.UserRead | UnixFileMode.UserWrite
        | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact(Timeout = 60_000)]
    public Task RootOwnedCredentialFileExits78() => InteropSession.RunAsync(async session =>
    {
        // "mupdate passwd" run as root leaves the file root:root 0600, which user cyrus cannot read.
        var server = await session.CreateServerAsync();
        OpenToCyrus(server);
        var credentials = Path.Combine(server.ConfigDirectory, "mupdate.credentials");

        var result = await RunAsCyrusAsync(session, server);

        Assert.Equal(78, result.ExitCode);
        var error = SingleErrorLine(result);
        Assert.Contains($"cannot read the credential file {credentials}: permission denied", error, StringComparison.Ordinal);
        Assert.Contains($"runs as {CyrusUser()}", error, StringComparison.Ordinal);
        Assert.Contains($"chown cyrus {credentials}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task UnreadableConfigDirectoryExits78() => InteropSession.RunAsync(async session =>
    {
        var server = await session.CreateServerAsync();
        OpenToCyrus(server);
        File.SetUnixFileMode(server.ConfigDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await RunAsCyrusAsync(session, server);

        Assert.Equal(78, result.ExitCode);
        var error = SingleErrorLine(result);
        Assert.Contains($"cannot read configdirectory {server.ConfigDirectory}: permission denied", error, StringComparison.Ordinal);
        Assert.Contains($"runs as {CyrusUser()}", error, StringComparison.Ordinal);
        Assert.Contains($"chown cyrus {server.ConfigDirectory}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task UnwritableDatabaseDirectoryExits74() => InteropSession.RunAsync(async session =>
    {
        // User cyrus may read the credential file but not create the database (or its lock file) in the
        // root-owned directory, and it cannot create the salt key file there either.
        var server = await session.CreateServerAsync();
        OpenToCyrus(server);
        var credentials = Path.Combine(server.ConfigDirectory, "mupdate.credentials");
        await ToolRunner.RunCheckedAsync(
            CyrusBinaries.Chown, ["cyrus:mail", credentials], null, TimeSpan.FromSeconds(10), session.CancellationToken);
        var database = Path.Combine(server.ConfigDirectory, "mupdate.sqlite3");

        var result = await RunAsCyrusAsync(session, server);

        Assert.Equal(74, result.ExitCode);
        var error = SingleErrorLine(result);
        Assert.Contains($"cannot open the database {database}: permission denied", error, StringComparison.Ordinal);
        Assert.Contains($"runs as {CyrusUser()}", error, StringComparison.Ordinal);
        Assert.Contains("Cannot create the salt key file", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task ConfigDirectoryThatIsFileExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(new ServerProcessOptions { AddAdmin = false });
        Directory.Delete(server.ConfigDirectory);
        await File.WriteAllTextAsync(server.ConfigDirectory, "not a directory\n", session.CancellationToken);

        var result = await server.RunToolAsync(ServeArguments(server), null, session.CancellationToken, TimeSpan.FromSeconds(10));

        Assert.Equal(78, result.ExitCode);
        Assert.Contains($"configdirectory {server.ConfigDirectory} is a file, not a directory", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task CredentialFileThatIsDirectoryExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(new ServerProcessOptions { AddAdmin = false });
        var credentials = Path.Combine(server.ConfigDirectory, "mupdate.credentials");
        Directory.CreateDirectory(credentials);

        var result = await server.RunToolAsync(ServeArguments(server), null, session.CancellationToken, TimeSpan.FromSeconds(10));

        Assert.Equal(78, result.ExitCode);
        var error = SingleErrorLine(result);
        Assert.Equal($"mupdate: cannot read the credential file {credentials}: it is a directory, not a file", error);
        Assert.DoesNotContain("mode 0755", result.Stderr, StringComparison.Ordinal);
    });

    private static string[] ServeArguments(MupdateServerProcess server) =>
        ["-C", server.ConfigPath, "-m", "--listen", $"{server.Host}:{server.Port}"];

    // If the server serves instead of exiting, the 10 s timeout kills it and fails the test.
    private static Task<ToolResult> RunAsCyrusAsync(InteropSession session, MupdateServerProcess server) =>
        session.TimeAsync(
            "mupdate -m as cyrus",
            () => server.RunToolAsCyrusAsync(ServeArguments(server), session.CancellationToken, TimeSpan.FromSeconds(10)));

    /// <summary>Lets user cyrus reach the configuration and list the configdirectory, which stay root's.</summary>
    private static void OpenToCyrus(MupdateServerProcess server)
    {
        File.SetUnixFileMode(server.Directory, OpenDirectory);
        File.SetUnixFileMode(server.ConfigDirectory, OpenDirectory);
        File.SetUnixFileMode(server.ConfigPath, ReadableFile);
    }

    /// <summary>The one stderr line that starts with "mupdate: ", the program's error message.</summary>
    private static string SingleErrorLine(ToolResult result) =>
        Assert.Single(result.Stderr.Split('\n'), line => line.StartsWith("mupdate: ", StringComparison.Ordinal));

    /// <summary>"cyrus (uid N)", with N from /etc/passwd.</summary>
    private static string CyrusUser()
    {
        var entry = File.ReadLines("/etc/passwd").First(line => line.StartsWith(CyrusBinaries.CyrusUser + ":", StringComparison.Ordinal));
        return $"{CyrusBinaries.CyrusUser} (uid {entry.Split(':')[2]})";
    }
}
