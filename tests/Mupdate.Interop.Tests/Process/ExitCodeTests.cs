using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Mupdate.Interop.Tests.Harness;

// Not "...Tests.Process": a namespace of that name would hide System.Diagnostics.Process in the harness.
namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// Exit statuses (sysexits.h) and messages of the built <c>mupdate</c> program for its command
/// line and start-up failures: 0, 64 usage, 69 cannot listen, 74 database, 78 configuration.
/// </summary>
public sealed class ExitCodeTests
{
    private static readonly ServerProcessOptions s_noAdmin = new() { AddAdmin = false };

    [Fact(Timeout = 60_000)]
    public Task HelpNamesTheOptions() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);

        var result = await server.RunToolAsync(["--help"], null, session.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("-C config-file", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("-m", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("-a", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--listen ADDRESS:PORT", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("EXIT STATUS", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith(".\n", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    });

    [Fact(Timeout = 60_000)]
    public Task VersionPrintsOneLine() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);

        var result = await server.RunToolAsync(["--version"], null, session.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^mupdate-dotnet \d+\.\d+\.\d+\n$", result.Stdout);
        Assert.Equal("", result.Stderr);
    });

    [Fact(Timeout = 60_000)]
    public Task UnknownOptionExits64WithUsage() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);

        var result = await server.RunToolAsync(["--no-such-option"], null, session.CancellationToken);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("unknown option '--no-such-option'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: mupdate [-C config-file]", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    });

    [Theory(Timeout = 60_000)]
    [InlineData("--listen", "nonsense", "invalid --listen value 'nonsense'")]
    [InlineData("--listen", "127.0.0.1:99999", "invalid port '99999'")]
    [InlineData("--log-level", "loud", "invalid --log-level 'loud'")]
    [InlineData("-m", "-C", "option -C needs a value")]
    public Task InvalidArgumentExits64(string option, string value, string message) =>
        InteropSession.RunWithoutCyrusAsync(async session =>
        {
            var server = await session.CreateServerAsync(s_noAdmin);

            var result = await server.RunToolAsync([option, value], null, session.CancellationToken);

            Assert.Equal(64, result.ExitCode);
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.Contains("usage: mupdate", result.Stderr, StringComparison.Ordinal);
        });

    [Fact(Timeout = 60_000)]
    public Task MissingConfigFileExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);
        var missing = Path.Combine(server.Directory, "no-such-imapd.conf");

        var result = await server.RunToolAsync(["-C", missing, "-m"], null, session.CancellationToken);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("not found", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task InvalidValueNamesFileAndLine() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);
        var lines = File.ReadAllLines(server.ConfigPath).ToList();
        lines.Add("mupdate_connections_max: lots");
        File.WriteAllLines(server.ConfigPath, lines);

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(78, result.ExitCode);
        Assert.Contains($"{server.ConfigPath}:{lines.Count}:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("mupdate_connections_max", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("'lots'", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task MissingConfigDirectoryOptionExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);
        var lines = File.ReadAllLines(server.ConfigPath);
        File.WriteAllLines(
            server.ConfigPath, lines.Where(line => !line.StartsWith("configdirectory:", StringComparison.Ordinal)));

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(78, result.ExitCode);
        Assert.Contains(server.ConfigPath, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("configdirectory is not set", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task AbsentConfigDirectoryExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);
        Directory.Delete(server.ConfigDirectory);

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(78, result.ExitCode);
        Assert.Contains($"configdirectory {server.ConfigDirectory} does not exist", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task UnifiedMasterExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(new ServerProcessOptions
        {
            AddAdmin = false,
            ExtraConfig = new Dictionary<string, string>
            {
                ["mupdate_server"] = "127.0.0.1",
                ["mupdate_config"] = "unified",
            },
        });

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("mupdate_config: unified", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task SlaveWithoutMupdateServerExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);

        var result = await RunServerAsync(session, server);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("a slave (mupdate without -m) needs mupdate_server", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("-m", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task AutoRoleOnNamedHostRunsMaster() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(new ServerProcessOptions
        {
            ExtraConfig = new Dictionary<string, string> { ["mupdate_server"] = "127.0.0.1" },
        });

        await session.TimeAsync("start with -a", () => server.StartAsync(session.CancellationToken, ["-a"]));
        Assert.EndsWith("\"(master)\"", server.Banner, StringComparison.Ordinal);
        Assert.Contains("as Master", server.Process!.Output, StringComparison.Ordinal);

        var exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, exitCode);
    });

    [Fact(Timeout = 60_000)]
    public Task AutoRoleOnOtherHostExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): an address literal, resolved without any lookup or packet.
        var server = await session.CreateServerAsync(new ServerProcessOptions
        {
            AddAdmin = false,
            ExtraConfig = new Dictionary<string, string> { ["mupdate_server"] = "192.0.2.1" },
        });

        var result = await RunServerAsync(session, server, "-a");

        // The host is not 192.0.2.1, so it would be a slave, and a slave needs a login for its master.
        Assert.Equal(78, result.ExitCode);
        Assert.Contains("a slave logs in to its master: set mupdate_authname", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task PortInUseExits69() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);
        using var occupant = new TcpListener(IPAddress.Loopback, server.Port);
        occupant.Start();

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(69, result.ExitCode);
        Assert.Contains($"cannot listen on {server.Host}:{server.Port}", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Stopped listening", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task SecondServerOnSamePortExits69() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        // Two masters with their own databases on one port would split the backends between them.
        var first = await session.CreateServerAsync(s_noAdmin);
        await first.StartAsync(session.CancellationToken);
        var second = await session.CreateServerAsync(s_noAdmin);

        string[] arguments = ["-C", second.ConfigPath, "-m", "--listen", $"{first.Host}:{first.Port}"];
        var result = await session.TimeAsync(
            "second mupdate on the first one's port",
            () => second.RunToolAsync(arguments, null, session.CancellationToken, TimeSpan.FromSeconds(10)));

        Assert.Equal(69, result.ExitCode);
        Assert.Contains($"cannot listen on {first.Host}:{first.Port}", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task CorruptDatabaseExits74() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(s_noAdmin);
        var database = Path.Combine(server.ConfigDirectory, "mupdate.sqlite3");
        File.WriteAllText(database, string.Concat(Enumerable.Repeat("this is not an SQLite database\n", 200)));

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(74, result.ExitCode);
        Assert.Contains($"cannot open the database {database}", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task UnreadableDatabaseExits74() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        // The tests run as root, which file modes do not stop, so a directory in the database's place
        // makes it unreadable.
        var server = await session.CreateServerAsync(s_noAdmin);
        var database = Path.Combine(server.ConfigDirectory, "mupdate.sqlite3");
        Directory.CreateDirectory(database);

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(74, result.ExitCode);
        Assert.Contains($"cannot open the database {database}", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task ForeignSchemaDatabaseExits74() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        // An SQLite file of another program that happens to have a "mailboxes" table, at user_version 0.
        var server = await session.CreateServerAsync(s_noAdmin);
        var database = Path.Combine(server.ConfigDirectory, "mupdate.sqlite3");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = database,
            Pooling = false,
        }.ToString()))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE mailboxes (id INTEGER PRIMARY KEY, title TEXT)";
            create.ExecuteNonQuery();
        }

        var result = await RunServerAsync(session, server, "-m");

        Assert.Equal(74, result.ExitCode);
        Assert.Contains($"cannot open the database {database}", result.Stderr, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task SecondServerOnSameDirectoryExits() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        // Two masters on one database would each count revisions on their own and never stream the
        // other's changes, so the second must refuse to start.
        var server = await session.CreateServerAsync();
        await session.TimeAsync("start the first", () => server.StartAsync(session.CancellationToken));
        var database = Path.Combine(server.ConfigDirectory, "mupdate.sqlite3");
        string[] arguments = ["-C", server.ConfigPath, "-m", "--listen", $"{server.Host}:{LoopbackPorts.Allocate()}"];

        var second = await session.TimeAsync(
            "run the second",
            () => server.RunToolAsync(arguments, null, session.CancellationToken, TimeSpan.FromSeconds(10)));

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains(database, second.Stderr, StringComparison.Ordinal);
        Assert.Contains($"(pid {server.Process!.Pid})", second.Stderr, StringComparison.Ordinal);
        Assert.False(server.Process!.HasExited);
    });

    /// <summary>
    /// Runs the server with <c>-C imapd.conf ROLE --listen 127.0.0.1:PORT</c> as a tool, for cases
    /// where it must exit by itself. If it serves instead, the 10 s timeout kills it and fails the test.
    /// </summary>
    private static async Task<ToolResult> RunServerAsync(
        InteropSession session, MupdateServerProcess server, params string[] roleArguments)
    {
        string[] arguments = ["-C", server.ConfigPath, .. roleArguments, "--listen", $"{server.Host}:{server.Port}"];
        return await session.TimeAsync(
            "mupdate " + string.Join(' ', roleArguments),
            () => server.RunToolAsync(arguments, null, session.CancellationToken, TimeSpan.FromSeconds(10)));
    }
}
