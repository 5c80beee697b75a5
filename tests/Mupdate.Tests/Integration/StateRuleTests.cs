using Mupdate.Store;

namespace Mupdate.Tests.Integration;

public sealed class StateRuleTests
{
    [Theory(Timeout = 10_000)]
    [InlineData("F1 FIND \"user.x\"")]
    [InlineData("L1 LIST")]
    [InlineData("L1 LIST \"be1\"")]
    [InlineData("A1 ACTIVATE \"user.x\" \"be1!p\" \"\"")]
    [InlineData("R1 RESERVE \"user.x\" \"be1!p\"")]
    [InlineData("D1 DEACTIVATE \"user.x\" \"be1!p\"")]
    [InlineData("D1 DELETE \"user.x\"")]
    [InlineData("U1 UPDATE")]
    [InlineData("N1 NOOP")]
    public async Task CommandBeforeLoginGetsNo(string command)
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.x", "be1!p", "x\tlrs\t"));
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync(command + "\r\n");
        var tag = command[..command.IndexOf(' ', StringComparison.Ordinal)];

        Assert.Equal($"{tag} NO \"Please login first\"", await connection.ReadLineAsync());
        Assert.True(await connection.StaysSilentAsync(TimeSpan.FromMilliseconds(100)), "data followed the NO");
        Assert.Equal(1, server.Store.Revision);
        Assert.Equal(MailboxRecord.Active("user.x", "be1!p", "x\tlrs\t"), server.Store.Find("user.x"));
    }

    [Fact(Timeout = 10_000)]
    public async Task LiteralBeforeLoginGetsNoGoAhead()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("A1 ACTIVATE {6}\r\n");
        var refusal = await connection.ReadLineAsync();
        await connection.SendAsync("A2 NOOP\r\n");

        Assert.Equal("A1 NO \"Please login first\"", refusal);
        Assert.Equal("A2 NO \"Please login first\"", await connection.ReadLineAsync());
        Assert.Equal(0, server.Store.Revision);
    }

    [Fact(Timeout = 10_000)]
    public async Task LogoutBeforeLoginSaysBye()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("Q1 LOGOUT\r\n");

        Assert.Equal("Q1 BYE \"bye-bye\"", await connection.ReadLineAsync());
        Assert.Empty(await connection.ReadToEndAsync());
    }

    [Theory(Timeout = 10_000)]
    [InlineData("F1 FIND \"user.x\"")]
    [InlineData("L1 LIST")]
    [InlineData("A1 ACTIVATE \"user.y\" \"be1!p\" \"\"")]
    [InlineData("R1 RESERVE \"user.y\" \"be1!p\"")]
    [InlineData("D1 DEACTIVATE \"user.x\" \"be1!p\"")]
    [InlineData("D1 DELETE \"user.x\"")]
    [InlineData("U2 UPDATE")]
    [InlineData("U2 UPDATE \"be1\"")]
    public async Task CommandWhileStreamingIsBad(string command)
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.x", "be1!p", ""));
        var (connection, _) = await server.StreamRawAsync();

        await connection.SendAsync(command + "\r\nN1 NOOP\r\n");
        var tag = command[..command.IndexOf(' ', StringComparison.Ordinal)];

        Assert.Equal($"{tag} BAD \"not legal when streaming\"", await connection.ReadLineAsync());
        Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
        Assert.Equal(1, server.Store.Revision);
    }

    [Fact(Timeout = 10_000)]
    public async Task SlaveRejectsWritesServesReads()
    {
        await using var server = await TestServer.StartAsync(o => o with { MasterAddress = "master.test:3905" });
        await server.Store.WriteAsync(WriteRequest.Activate("user.x", "be1!p", ""));
        await using var connection = await server.ConnectRawAsync(readBanner: false);

        var banner = await connection.ReadBannerAsync();
        await connection.LoginAsync();
        await connection.SendAsync(
            "A1 ACTIVATE \"user.y\" \"be1!p\" \"\"\r\nR1 RESERVE \"user.y\" \"be1!p\"\r\n" +
            "D1 DEACTIVATE \"user.x\" \"be1!p\"\r\nD2 DELETE \"user.x\"\r\nF1 FIND \"user.x\"\r\nU1 UPDATE\r\nA2 ACTIVATE {6}\r\n");
        var answers = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            answers.Add(await connection.ReadLineAsync());
        }

        Assert.EndsWith(" \"mupdate://master.test:3905\"", banner[^1], StringComparison.Ordinal);
        Assert.Equal(
            [
                "A1 BAD \"read-only session\"",
                "R1 BAD \"read-only session\"",
                "D1 BAD \"read-only session\"",
                "D2 BAD \"read-only session\"",
                "F1 MAILBOX \"user.x\" \"be1!p\" \"\"",
                "F1 OK \"Search completed\"",
                "U1 MAILBOX \"user.x\" \"be1!p\" \"\"",
                "U1 OK \"streaming starts\"",
                "A2 BAD \"not legal when streaming\"",
            ],
            answers);
        Assert.Equal(1, server.Store.Revision);
    }

    [Fact(Timeout = 10_000)]
    public async Task AuthenticateWhileStreamingIsBad()
    {
        await using var server = await TestServer.StartAsync();
        var (connection, _) = await server.StreamRawAsync();

        await connection.SendAsync("A2 AUTHENTICATE \"PLAIN\"\r\n");

        Assert.Equal("A2 BAD \"already authenticated\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task NoopAndLogoutWorkWhileStreaming()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        await connection.SendAsync("U1 UPDATE\r\n");
        var dump = await connection.ReadUntilTaggedStatusAsync("U1");

        await connection.SendAsync("N1 NOOP\r\n");
        var noop = await connection.ReadLineAsync();
        await connection.SendAsync("Q1 LOGOUT\r\n");

        Assert.Equal("U1 OK \"streaming starts\"\r\n", Assert.Single(dump).Text);
        Assert.Equal("N1 OK \"Noop done\"", noop);
        Assert.Equal("Q1 BYE \"bye-bye\"", await connection.ReadLineAsync());
        Assert.Empty(await connection.ReadToEndAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task StreamingLiteralGetsNoGoAhead()
    {
        await using var server = await TestServer.StartAsync();
        var (connection, _) = await server.StreamRawAsync();

        await connection.SendAsync("F1 FIND {6}\r\n");

        Assert.Equal("F1 BAD \"not legal when streaming\"", await connection.ReadLineAsync());
        Assert.True(await connection.StaysSilentAsync(TimeSpan.FromMilliseconds(100)), "a go-ahead followed the BAD");
    }
}
