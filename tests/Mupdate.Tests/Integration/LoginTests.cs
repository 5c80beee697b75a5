using System.Diagnostics;
using Mupdate.Client;

namespace Mupdate.Tests.Integration;

public sealed class LoginTests
{
    private static readonly string AdminPlain = TestServer.PlainResponse(TestServer.AdminUser, TestServer.AdminPassword);

    [Theory(Timeout = 10_000)]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("PLAIN")]
    public async Task ClientLogsInWithMechanism(string mechanism)
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        await client.AuthenticateAsync(TestServer.AdminUser, TestServer.AdminPassword, mechanism: mechanism);
        await client.ActivateAsync("user.login", "be1!p", "");

        Assert.Equal(TestServer.AdminUser, client.User);
        Assert.NotNull(await client.FindAsync("user.login"));
    }

    [Fact(Timeout = 10_000)]
    public async Task PlainWithInitialResponse()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync($"A01 AUTHENTICATE \"PLAIN\" \"{AdminPlain}\"\r\n");

        Assert.Equal("A01 OK \"Authenticated\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task PlainWithoutInitialResponseGetsEmptyChallenge()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("A01 AUTHENTICATE \"PLAIN\"\r\n");
        var challenge = await connection.ReadLineBytesAsync();
        await connection.SendAsync(AdminPlain + "\r\n");

        Assert.Empty(challenge);
        Assert.Equal("A01 OK \"Authenticated\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task PlainInCyrusLiteralForm()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        // Cyrus 3.6 clients send the initial response as a non-synchronizing literal.
        Assert.Equal(24, AdminPlain.Length);
        await connection.SendAsync($"A01 AUTHENTICATE \"PLAIN\" {{24+}}\r\n{AdminPlain}\r\n");

        Assert.Equal("A01 OK \"Authenticated\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task AtomMechanismAndEqualsSignWork()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        // "=" is the Cyrus client's empty initial response: PLAIN then fails as malformed.
        await connection.SendAsync("A01 AUTHENTICATE PLAIN =\r\n");
        var empty = await connection.ReadLineAsync();
        await connection.SendAsync($"A02 AUTHENTICATE plain {AdminPlain}\r\n");

        Assert.StartsWith("A01 NO \"malformed PLAIN message: ", empty, StringComparison.Ordinal);
        Assert.Equal("A02 OK \"Authenticated\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task AsteriskCancelsWithoutPause()
    {
        await using var server = await TestServer.StartAsync(o => o with { FailedLoginPause = TimeSpan.FromSeconds(3) });
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("A01 AUTHENTICATE \"PLAIN\"\r\n");
        await connection.ReadLineBytesAsync();
        var watch = Stopwatch.StartNew();
        await connection.SendAsync("*\r\n");
        var canceled = await connection.ReadLineAsync();
        var elapsed = watch.Elapsed;
        await connection.SendAsync($"A02 AUTHENTICATE \"PLAIN\" \"{AdminPlain}\"\r\n");

        Assert.Equal("A01 NO \"authentication canceled by client\"", canceled);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"cancel answered after {elapsed}");
        Assert.Equal("A02 OK \"Authenticated\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task WrongPasswordGetsNoWithReason()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var wrong = TestServer.PlainResponse(TestServer.AdminUser, "not-the-password");
        await connection.SendAsync($"A01 AUTHENTICATE \"PLAIN\" \"{wrong}\"\r\nA02 NOOP\r\n");

        Assert.Equal("A01 NO \"authentication failed: invalid user name or password\"", await connection.ReadLineAsync());
        Assert.Equal("A02 NO \"Please login first\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task WrongScramPasswordThrowsWithReason()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        var failure = await Assert.ThrowsAsync<MupdateAuthenticationException>(
            () => client.AuthenticateAsync(TestServer.AdminUser, "not-the-password", mechanism: "SCRAM-SHA-256"));
        await client.AuthenticateAsync(TestServer.AdminUser, TestServer.AdminPassword, mechanism: "SCRAM-SHA-256");

        Assert.Contains("NO \"authentication failed: invalid user name or password\"", failure.Message, StringComparison.Ordinal);
        Assert.Equal(TestServer.AdminUser, client.User);
        var logged = Assert.Single(server.Logs.Entries, e => e.EventId == 3001);
        Assert.Contains($"login of {TestServer.AdminUser} with SCRAM-SHA-256 failed", logged.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task NonAdminGetsNoNamingAdmins()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var plain = TestServer.PlainResponse(TestServer.PlainUser, TestServer.PlainUserPassword);
        await connection.SendAsync($"A01 AUTHENTICATE \"PLAIN\" \"{plain}\"\r\nA02 LIST\r\n");

        Assert.Equal(
            "A01 NO \"user bob is not in admins; only admins may log in to mupdate\"",
            await connection.ReadLineAsync());
        Assert.Equal("A02 NO \"Please login first\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task NonAdminScramLoginIsRefused()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        var failure = await Assert.ThrowsAsync<MupdateAuthenticationException>(
            () => client.AuthenticateAsync(TestServer.PlainUser, TestServer.PlainUserPassword, mechanism: "SCRAM-SHA-1"));

        Assert.Contains("user bob is not in admins", failure.Message, StringComparison.Ordinal);
        Assert.Null(client.User);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("PLAIN")]
    public async Task AdminMayNameAnotherAuthorizationId(string mechanism)
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        await client.AuthenticateAsync(TestServer.AdminUser, TestServer.AdminPassword, "frontend7", mechanism);
        await client.NoopAsync();

        Assert.Equal("frontend7", client.User);
        var login = Assert.Single(server.Logs.Entries, e => e.EventId == 3000);
        Assert.Contains("admin logged in as frontend7", login.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task UnknownMechanismGetsNo()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("A01 AUTHENTICATE \"DIGEST-MD5\"\r\n");

        Assert.Equal(
            "A01 NO \"mechanism DIGEST-MD5 is not available; offered: SCRAM-SHA-256 SCRAM-SHA-1 PLAIN\"",
            await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task ControlBytesInMechanismNeverReachLog()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var mechanism = "X\u001b[2J\u001b]0;pwned\u0007\rFAKE LINE" + new string('m', 5000);

        await connection.SendAsync($"A01 AUTHENTICATE {{{mechanism.Length}+}}\r\n{mechanism}\r\n");

        Assert.Equal("A01 NO \"invalid SASL mechanism name\"", await connection.ReadLineAsync());
        var logged = server.Logs.Entries.Where(entry => entry.Message.Contains("FAKE LINE", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(logged);
        Assert.All(logged, entry => Assert.DoesNotContain(entry.Message, char.IsControl));
        Assert.All(logged, entry => Assert.True(entry.Message.Length < 1000, $"log line of {entry.Message.Length} characters"));
    }

    [Fact(Timeout = 10_000)]
    public async Task PlainWithoutPlaintextGetsNo()
    {
        await using var server = await TestServer.StartAsync(allowPlaintext: false);
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync($"A01 AUTHENTICATE \"PLAIN\" \"{AdminPlain}\"\r\n");

        Assert.Equal(
            "A01 NO \"mechanism PLAIN is not allowed without TLS (allowplaintext is off)\"",
            await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task SecondAuthenticateIsBad()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync($"A02 AUTHENTICATE \"PLAIN\" {{24+}}\r\n{AdminPlain}\r\nA03 NOOP\r\n");

        Assert.Equal("A02 BAD \"already authenticated\"", await connection.ReadLineAsync());
        Assert.Equal("A03 OK \"Noop done\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task FailedLoginPauseDelaysOnlyItsConnection()
    {
        var pause = TimeSpan.FromMilliseconds(800);
        await using var server = await TestServer.StartAsync(o => o with { FailedLoginPause = pause });
        await using var failing = await server.ConnectRawAsync();
        await using var other = await server.LoginRawAsync();

        var wrong = TestServer.PlainResponse(TestServer.AdminUser, "wrong");
        var watch = Stopwatch.StartNew();
        await failing.SendAsync($"A01 AUTHENTICATE \"PLAIN\" \"{wrong}\"\r\n");
        await Task.Delay(100);
        var noopStart = watch.Elapsed;
        await other.SendAsync("N1 NOOP\r\n");
        var noop = await other.ReadLineAsync();
        var noopDone = watch.Elapsed;
        var refusal = await failing.ReadLineAsync();
        var refusalDone = watch.Elapsed;

        Assert.Equal("N1 OK \"Noop done\"", noop);
        Assert.True(noopDone < pause, $"the other connection's NOOP waited until {noopDone} (sent at {noopStart})");
        Assert.StartsWith("A01 NO ", refusal, StringComparison.Ordinal);
        Assert.True(refusalDone > noopDone, "the refusal came before the other connection's NOOP");
    }

    [Fact(Timeout = 10_000)]
    public async Task FailedLoginPauseApplies()
    {
        var pause = TimeSpan.FromMilliseconds(500);
        await using var server = await TestServer.StartAsync(o => o with { FailedLoginPause = pause });
        await using var connection = await server.ConnectRawAsync();

        var wrong = TestServer.PlainResponse(TestServer.AdminUser, "wrong");
        var watch = Stopwatch.StartNew();
        await connection.SendAsync($"A01 AUTHENTICATE \"PLAIN\" \"{wrong}\"\r\n");
        var refusal = await connection.ReadLineAsync();
        var elapsed = watch.Elapsed;

        Assert.StartsWith("A01 NO ", refusal, StringComparison.Ordinal);

        // The measured span contains the whole pause. The allowance covers the coarse clock of .NET
        // timers on Linux, which can fire a few milliseconds earlier than the stopwatch measures.
        Assert.True(elapsed >= pause - TimeSpan.FromMilliseconds(20), $"refused after {elapsed}, pause is {pause}");
    }
}
