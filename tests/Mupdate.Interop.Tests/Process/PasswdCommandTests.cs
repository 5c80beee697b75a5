using System.Text;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// <c>mupdate passwd</c> as a separate process: the credential file it writes, its exit codes,
/// and a running server that follows the file without a restart.
/// </summary>
public sealed class PasswdCommandTests
{
    private const string User = "alice";

    // Distinctive, so that finding it in the file can only mean the plaintext was stored.
    private const string FirstPassword = "Canary-Plaintext-7f3a9c";
    private const string SecondPassword = "Canary-Changed-21be04";

    /// <summary>How long the server may take to see a changed credential file (it checks about once a second).</summary>
    private static readonly TimeSpan s_reloadTimeout = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 60_000)]
    public Task PasswdAddListChangeDelete() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        var credentials = Path.Combine(server.ConfigDirectory, "mupdate.credentials");

        var add = await PasswdAsync(server, ["add", User], FirstPassword, cancellationToken);
        Assert.Equal(0, add.ExitCode);
        Assert.Contains($"added user \"{User}\" in {credentials}", add.Stdout, StringComparison.Ordinal);

        var addAgain = await PasswdAsync(server, ["add", User], FirstPassword, cancellationToken);
        Assert.Equal(65, addAgain.ExitCode);
        Assert.Contains("already exists", addAgain.Stderr, StringComparison.Ordinal);

        var list = await PasswdAsync(server, ["list"], null, cancellationToken);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal([.. new[] { server.AdminUser, User }.Order(StringComparer.Ordinal)], SortedLines(list.Stdout));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
        AssertNoPlaintext(credentials, FirstPassword);
        var before = await File.ReadAllBytesAsync(credentials, cancellationToken);

        var change = await PasswdAsync(server, ["change", User], SecondPassword, cancellationToken);
        Assert.Equal(0, change.ExitCode);
        Assert.Contains($"changed the password of user \"{User}\"", change.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(before, await File.ReadAllBytesAsync(credentials, cancellationToken));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
        AssertNoPlaintext(credentials, SecondPassword);

        var changeMissing = await PasswdAsync(server, ["change", "nobody"], SecondPassword, cancellationToken);
        Assert.Equal(67, changeMissing.ExitCode);
        Assert.Contains("not found", changeMissing.Stderr, StringComparison.Ordinal);

        var emptyPassword = await PasswdAsync(server, ["add", "bob"], "", cancellationToken);
        Assert.Equal(65, emptyPassword.ExitCode);

        var invalidName = await PasswdAsync(server, ["add", "bad\u0001name"], FirstPassword, cancellationToken);
        Assert.Equal(65, invalidName.ExitCode);

        var delete = await PasswdAsync(server, ["delete", User], null, cancellationToken);
        Assert.Equal(0, delete.ExitCode);
        Assert.Contains($"deleted user \"{User}\"", delete.Stdout, StringComparison.Ordinal);

        var deleteAgain = await PasswdAsync(server, ["delete", User], null, cancellationToken);
        Assert.Equal(67, deleteAgain.ExitCode);

        var listAfter = await PasswdAsync(server, ["list"], null, cancellationToken);
        Assert.Equal(0, listAfter.ExitCode);
        Assert.Equal([server.AdminUser], SortedLines(listAfter.Stdout));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
    });

    [Fact(Timeout = 90_000)]
    public Task RunningServerFollowsPasswd() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync(new ServerProcessOptions
        {
            ExtraConfig = new Dictionary<string, string> { ["admins"] = $"mupdater {User}" },
        });
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));
        Assert.False(await CanLogInAsync(server, User, FirstPassword, cancellationToken));

        Assert.Equal(0, (await PasswdAsync(server, ["add", User], FirstPassword, cancellationToken)).ExitCode);
        await session.TimeAsync("wait until the added user can log in", () => WaitForLoginAsync(
            server, User, FirstPassword, expected: true, cancellationToken));

        Assert.Equal(0, (await PasswdAsync(server, ["change", User], SecondPassword, cancellationToken)).ExitCode);
        await session.TimeAsync("wait until the old password fails", () => WaitForLoginAsync(
            server, User, FirstPassword, expected: false, cancellationToken));
        Assert.True(await CanLogInAsync(server, User, SecondPassword, cancellationToken));

        Assert.Equal(0, (await PasswdAsync(server, ["delete", User], null, cancellationToken)).ExitCode);
        await session.TimeAsync("wait until the deleted user fails", () => WaitForLoginAsync(
            server, User, SecondPassword, expected: false, cancellationToken));

        // The admin from before the start is untouched, and the server still runs after three reloads.
        Assert.True(await CanLogInAsync(server, server.AdminUser, server.AdminPassword, cancellationToken));
        Assert.False(server.Process!.HasExited);
        Assert.Contains("Reloaded credentials", server.Process.Output, StringComparison.Ordinal);
    });

    [Fact(Timeout = 60_000)]
    public Task ConcurrentAddsKeepEveryUser() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        // Two administrators adding users at the same moment: each passwd run reads the file, adds
        // its user and writes the file back.
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        var users = Enumerable.Range(1, 8).Select(i => $"user{i}").ToList();

        var results = await session.TimeAsync("8 concurrent passwd add", () => Task.WhenAll(users.Select(
            user => PasswdAsync(server, ["add", user], FirstPassword, cancellationToken))));

        Assert.All(results, result => Assert.Equal(0, result.ExitCode));
        var list = await PasswdAsync(server, ["list"], null, cancellationToken);
        Assert.Equal([.. users.Append(server.AdminUser).Order(StringComparer.Ordinal)], SortedLines(list.Stdout));
    });

    [Fact(Timeout = 60_000)]
    public Task LoginsWorkWhilePasswdRewrites() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync(new ServerProcessOptions
        {
            ExtraConfig = new Dictionary<string, string> { ["admins"] = $"mupdater {User}" },
        });
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));

        // The admin logs in again and again while passwd replaces the file ten times. Each login
        // must see a whole file, the one before a change or the one after it.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var logins = 0;
        var failures = new List<string>();
        var loginLoop = Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (!await CanLogInAsync(server, server.AdminUser, server.AdminPassword, cancellationToken))
                    {
                        failures.Add($"login {logins + 1} as {server.AdminUser} failed");
                    }

                    logins++;
                }
            },
            cancellationToken);

        await session.TimeAsync("10 passwd set", async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                var password = i % 2 == 0 ? FirstPassword : SecondPassword;
                Assert.Equal(0, (await PasswdAsync(server, ["set", User], password, cancellationToken)).ExitCode);
                await Task.Delay(TimeSpan.FromMilliseconds(150), cancellationToken);
            }
        });
        await stop.CancelAsync();
        await loginLoop;

        session.Record($"{logins} logins during the rewrites");
        Assert.Empty(failures);
        Assert.True(logins >= 10, $"only {logins} logins ran during the rewrites");
        Assert.DoesNotContain("Reloading credentials", server.Process!.Output, StringComparison.Ordinal);
        Assert.Contains("Reloaded credentials", server.Process.Output, StringComparison.Ordinal);
        await WaitForLoginAsync(server, User, SecondPassword, expected: true, cancellationToken);
    });

    [Fact(Timeout = 60_000)]
    public Task DeletedCredentialFileLogsWarning() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var server = await session.CreateServerAsync();
        await session.TimeAsync("start", () => server.StartAsync(cancellationToken));
        var credentials = Path.Combine(server.ConfigDirectory, "mupdate.credentials");

        File.Delete(credentials);
        await session.TimeAsync("wait until the admin's login fails", () => WaitForLoginAsync(
            server, server.AdminUser, server.AdminPassword, expected: false, cancellationToken));

        var warning = $"Credential file {credentials} was deleted, so every login fails";
        await Poll.UntilAsync(
            () => server.Process!.Output.Contains(warning, StringComparison.Ordinal),
            $"the server logs \"{warning}\"",
            s_reloadTimeout,
            cancellationToken);
        var line = server.Process!.Output.Split('\n').Single(l => l.Contains(warning, StringComparison.Ordinal));
        Assert.Contains("warn: Mupdate.Hosting[1108]", line, StringComparison.Ordinal);
        Assert.False(server.Process.HasExited);
    });

    [Fact(Timeout = 60_000)]
    public Task PasswdWithoutConfigExits78() => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var server = await session.CreateServerAsync(new ServerProcessOptions { AddAdmin = false });
        var missing = Path.Combine(server.Directory, "no-such-imapd.conf");

        var result = await server.RunToolAsync(["passwd", "-C", missing, "list"], null, session.CancellationToken);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("-f FILE", result.Stderr, StringComparison.Ordinal);
    });

    private static Task<ToolResult> PasswdAsync(
        MupdateServerProcess server, string[] arguments, string? password, CancellationToken cancellationToken) =>
        server.RunToolAsync(
            ["passwd", "-C", server.ConfigPath, .. arguments],
            password is null ? null : password + "\n",
            cancellationToken);

    private static List<string> SortedLines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    private static void AssertNoPlaintext(string path, string password)
    {
        var content = File.ReadAllBytes(path);
        Assert.True(content.Length > 0, $"{path} is empty");
        var needle = Encoding.UTF8.GetBytes(password);
        Assert.True(
            content.AsSpan().IndexOf(needle) < 0,
            $"{path} contains the plaintext password:\n{Encoding.UTF8.GetString(content)}");
        var base64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(needle).TrimEnd('='));
        Assert.True(content.AsSpan().IndexOf(base64) < 0, $"{path} contains the password in base64");
    }

    /// <summary>Logs in with PLAIN on a new connection and returns whether the server accepted it.</summary>
    private static async Task<bool> CanLogInAsync(
        MupdateServerProcess server, string user, string password, CancellationToken cancellationToken)
    {
        await using var client = await MupdateClient.ConnectAsync(
            server.Host, server.Port, cancellationToken: cancellationToken);
        try
        {
            await client.AuthenticateAsync(user, password, mechanism: "PLAIN", cancellationToken: cancellationToken);
            return true;
        }
        catch (MupdateAuthenticationException)
        {
            return false;
        }
    }

    private static Task WaitForLoginAsync(
        MupdateServerProcess server, string user, string password, bool expected, CancellationToken cancellationToken) =>
        Poll.UntilAsync(
            async () => await CanLogInAsync(server, user, password, cancellationToken) == expected,
            $"login as {user} {(expected ? "succeeds" : "fails")} after mupdate passwd changed the credential file",
            s_reloadTimeout,
            cancellationToken);
}
