using Mupdate.Client;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>The exact answers of the data commands, over a real connection.</summary>
public sealed class CommandAnswerTests
{
    [Fact(Timeout = 10_000)]
    public async Task ActivateFindAndListAnswers()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 ACTIVATE \"user.x\" \"be1!p\" \"x\tlrs\t\"\r\n");
        var activate = await connection.ReadLineAsync();
        await connection.SendAsync("F1 FIND \"user.x\"\r\n");
        var find = await connection.ReadUntilTaggedStatusAsync("F1");
        await connection.SendAsync("F2 FIND \"user.missing\"\r\n");
        var missing = await connection.ReadUntilTaggedStatusAsync("F2");
        await connection.SendAsync("L1 LIST\r\n");
        var list = await connection.ReadUntilTaggedStatusAsync("L1");

        Assert.Equal("A1 OK \"done\"", activate);
        Assert.Equal(["F1 MAILBOX \"user.x\" \"be1!p\" \"x\tlrs\t\"\r\n", "F1 OK \"Search completed\"\r\n"], find.Select(r => r.Text));
        Assert.Equal(["F2 OK \"Search completed\"\r\n"], missing.Select(r => r.Text));
        Assert.Equal(["L1 MAILBOX \"user.x\" \"be1!p\" \"x\tlrs\t\"\r\n", "L1 OK \"list complete\"\r\n"], list.Select(r => r.Text));
    }

    [Fact(Timeout = 10_000)]
    public async Task ActivateReplacesLocationAndAcl()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.LoginClientAsync();

        await client.ActivateAsync("user.x", "be1!p", "x\tlrs\t");
        await client.ActivateAsync("user.x", "be2!q", "y\tlr\t");

        Assert.Equal(MailboxRecord.Active("user.x", "be2!q", "y\tlr\t"), await client.FindAsync("user.x"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ReserveAnswers()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("R1 RESERVE \"user.r\" \"be1!p\"\r\n");
        var first = await connection.ReadLineAsync();
        await connection.SendAsync("R2 RESERVE \"user.r\" \"be1!p\"\r\n");
        var repeated = await connection.ReadLineAsync();
        await connection.SendAsync("R3 RESERVE \"user.r\" \"be2!p\"\r\n");
        var elsewhere = await connection.ReadLineAsync();
        await connection.SendAsync("F1 FIND \"user.r\"\r\n");
        var find = await connection.ReadUntilTaggedStatusAsync("F1");

        Assert.Equal("R1 OK \"done\"", first);
        Assert.Equal("R2 OK \"done\"", repeated);
        Assert.Equal("R3 NO \"mailbox already exists\"", elsewhere);
        Assert.Equal("F1 RESERVE \"user.r\" \"be1!p\"\r\n", find[0].Text);
        Assert.Equal(2, find.Count);
        Assert.Equal(1, server.Store.Revision);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReserveNeverDemotesActiveMailbox()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 ACTIVATE \"user.x\" \"be1!p\" \"x\tlrs\t\"\r\n");
        await connection.ReadLineAsync();
        await connection.SendAsync("R1 RESERVE \"user.x\" \"be1!p\"\r\nR2 RESERVE \"user.x\" \"be2!p\"\r\n");
        var sameLocation = await connection.ReadLineAsync();
        var otherLocation = await connection.ReadLineAsync();

        Assert.Equal("R1 NO \"mailbox already exists\"", sameLocation);
        Assert.Equal("R2 NO \"mailbox already exists\"", otherLocation);
        Assert.Equal(MailboxRecord.Active("user.x", "be1!p", "x\tlrs\t"), server.Store.Find("user.x"));
    }

    [Fact(Timeout = 10_000)]
    public async Task DeactivateAnswers()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        await connection.SendAsync("A1 ACTIVATE \"user.x\" \"be1!p\" \"x\tlrs\t\"\r\n");
        await connection.ReadLineAsync();

        await connection.SendAsync(
            "D1 DEACTIVATE \"user.x\" \"be2!q\"\r\nD2 DEACTIVATE \"user.x\" \"be2!q\"\r\nD3 DEACTIVATE \"user.nope\" \"be1!p\"\r\n");
        var active = await connection.ReadLineAsync();
        var reserved = await connection.ReadLineAsync();
        var missing = await connection.ReadLineAsync();

        Assert.Equal("D1 OK \"done\"", active);
        Assert.Equal("D2 NO \"mailbox not currently active\"", reserved);
        Assert.Equal("D3 NO \"mailbox doesn't exist\"", missing);
        Assert.Equal(MailboxRecord.Reserved("user.x", "be2!q"), server.Store.Find("user.x"));
        Assert.Null(server.Store.Find("user.nope"));
    }

    [Fact(Timeout = 10_000)]
    public async Task DeleteAnswers()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        await connection.SendAsync("R1 RESERVE \"user.x\" \"be1!p\"\r\n");
        await connection.ReadLineAsync();

        await connection.SendAsync("D1 DELETE \"user.x\"\r\nD2 DELETE \"user.x\"\r\nF1 FIND \"user.x\"\r\n");
        var existing = await connection.ReadLineAsync();
        var again = await connection.ReadLineAsync();
        var find = await connection.ReadLineAsync();

        Assert.Equal("D1 OK \"done\"", existing);
        Assert.Equal("D2 NO \"mailbox doesn't exist\"", again);
        Assert.Equal("F1 OK \"Search completed\"", find);
        Assert.Equal(2, server.Store.Revision);
    }

    [Fact(Timeout = 10_000)]
    public async Task ListPrefixIsRawStringPrefix()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.LoginClientAsync();
        await client.ActivateAsync("user.a", "be1!p", "");
        await client.ActivateAsync("user.b", "be10!p", "");
        await client.ReserveAsync("user.c", "be1!q");
        await client.ActivateAsync("user.d", "be2!p", "");

        var be1 = await client.ListAsync("be1");
        var be1Bang = await client.ListAsync("be1!");
        var be1P = await client.ListAsync("be1!p");
        var none = await client.ListAsync("BE1");

        Assert.Equal(["user.a", "user.b", "user.c"], be1.Select(r => r.Name));
        Assert.Equal(["user.a", "user.c"], be1Bang.Select(r => r.Name));
        Assert.Equal(["user.a"], be1P.Select(r => r.Name));
        Assert.Empty(none);
    }

    [Fact(Timeout = 10_000)]
    public async Task ListFollowsMailboxesDbOrder()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.LoginClientAsync();
        foreach (var name in new[] { "user.t.a-b", "user.t.a b", "user.t", "user.t.a.b", "user.t.a", "user.s", "user.u" })
        {
            await client.ActivateAsync(name, "be1!p", "");
        }

        var list = await client.ListAsync();

        Assert.Equal(["user.s", "user.t", "user.t.a", "user.t.a.b", "user.t.a b", "user.t.a-b", "user.u"], list.Select(r => r.Name));
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientThrowsOnNoWithText()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.LoginClientAsync();

        var failure = await Assert.ThrowsAsync<MupdateCommandException>(() => client.DeleteAsync("user.nope"));
        await client.NoopAsync();

        Assert.Equal("NO", failure.Status);
        Assert.Equal("mailbox doesn't exist", failure.Text);
    }
}
