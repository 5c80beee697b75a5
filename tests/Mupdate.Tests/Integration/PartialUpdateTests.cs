using Mupdate.Client;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>
/// UPDATE with host names (the Cyrus PARTIAL-UPDATE extension): the dump and the stream carry only
/// what concerns those hosts, matched exactly against the server part of each location.
/// </summary>
public sealed class PartialUpdateTests
{
    [Fact(Timeout = 10_000)]
    public async Task DumpMatchesServerPartExactly()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
        await server.Store.WriteAsync(WriteRequest.Activate("user.b", "be10!p", ""));
        await server.Store.WriteAsync(WriteRequest.Activate("user.c", "BE1!p", ""));
        await server.Store.WriteAsync(WriteRequest.Reserve("user.d", "be1!q"));
        await server.Store.WriteAsync(WriteRequest.Activate("user.e", "be1", ""));
        await server.Store.WriteAsync(WriteRequest.Activate("user.f", "be2!p", ""));
        await server.Store.WriteAsync(WriteRequest.Activate("user.g", "be3!p", ""));

        var (_, be1) = await server.StreamRawAsync("be1");
        var (_, be1AndBe2) = await server.StreamRawAsync("be1", "be2");
        var (_, none) = await server.StreamRawAsync("be");

        Assert.Equal(
            ["U1 MAILBOX \"user.a\" \"be1!p\" \"\"\r\n", "U1 RESERVE \"user.d\" \"be1!q\"\r\n", "U1 MAILBOX \"user.e\" \"be1\" \"\"\r\n"],
            be1.Select(r => r.Text));
        Assert.Equal(["user.a", "user.d", "user.e", "user.f"], be1AndBe2.Select(r => r.Response.Arguments[0]));
        Assert.Empty(none);
    }

    [Fact(Timeout = 10_000)]
    public async Task ChangeStreamedWhenOldOrNewServerMatches()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.mine", "be1!p", ""));
        await server.Store.WriteAsync(WriteRequest.Activate("user.theirs", "be2!p", ""));
        var (stream, _) = await server.StreamRawAsync("be1");
        await using var writer = await server.LoginClientAsync();

        await writer.ActivateAsync("user.new1", "be1!p", "n\tlrs\t");
        await writer.ActivateAsync("user.new2", "be2!p", "");
        await writer.ActivateAsync("user.theirs", "be1!q", "");
        await writer.ActivateAsync("user.mine", "be3!p", "m\tlrs\t");
        await writer.ActivateAsync("user.mine", "be4!p", "");
        await writer.DeactivateAsync("user.new1", "be1!p");
        await writer.ReserveAsync("user.other", "be2!p");
        await writer.DeleteAsync("user.other");
        await writer.DeleteAsync("user.new2");
        await writer.DeleteAsync("user.new1");
        await writer.DeleteAsync("user.mine");
        await writer.ReserveAsync("user.be10", "be10!p");
        await stream.SendAsync("N1 NOOP\r\n");
        var lines = await stream.ReadUntilTaggedStatusAsync("N1");

        // user.mine left be1 for be3, which the stream sends. Its later move to be4 and its DELETE
        // touch neither the old nor the new host be1, so they are not sent, as in Cyrus 3.6.
        Assert.Equal(
            [
                "U1 MAILBOX \"user.new1\" \"be1!p\" \"n\tlrs\t\"\r\n",
                "U1 MAILBOX \"user.theirs\" \"be1!q\" \"\"\r\n",
                "U1 MAILBOX \"user.mine\" \"be3!p\" \"m\tlrs\t\"\r\n",
                "U1 RESERVE \"user.new1\" \"be1!p\"\r\n",
                "U1 DELETE \"user.new1\"\r\n",
                "N1 OK \"Noop done\"\r\n",
            ],
            lines.Select(r => r.Text));
    }

    [Fact(Timeout = 10_000)]
    public async Task ThirtyHostsAllowedNotThirtyOne()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.h29", "h29!p", ""));
        await using var thirty = await server.LoginRawAsync();
        await using var thirtyOne = await server.LoginRawAsync();
        var hosts = Enumerable.Range(0, 31).Select(i => $" \"h{i}\"").ToArray();

        await thirty.SendAsync("U1 UPDATE" + string.Concat(hosts.Take(30)) + "\r\n");
        var accepted = await thirty.ReadUntilTaggedStatusAsync("U1");
        await thirtyOne.SendAsync("U1 UPDATE" + string.Concat(hosts) + "\r\nN1 NOOP\r\n");
        var rejected = await thirtyOne.ReadLineAsync();
        var noop = await thirtyOne.ReadLineAsync();
        await thirtyOne.SendAsync("F1 FIND \"user.h29\"\r\n");

        Assert.Equal(["U1 MAILBOX \"user.h29\" \"h29!p\" \"\"\r\n", "U1 OK \"streaming starts\"\r\n"], accepted.Select(r => r.Text));
        Assert.Equal("U1 BAD \"Extra arguments\"", rejected);
        Assert.Equal("N1 OK \"Noop done\"", noop);
        Assert.Equal("F1 MAILBOX \"user.h29\" \"h29!p\" \"\"", await thirtyOne.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task HostNamesMustBeStrings()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("U1 UPDATE be1\r\nU2 UPDATE \"be1\" \"\"\r\nN1 NOOP\r\n");

        Assert.Equal("U1 BAD \"expected a quoted string or a literal\"", await connection.ReadLineAsync());
        Assert.Equal("U2 BAD \"Badly formed arguments\"", await connection.ReadLineAsync());
        Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientPartialSubscription()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.a", "be1!p", ""));
        await server.Store.WriteAsync(WriteRequest.Activate("user.b", "be2!p", ""));
        await using var client = await server.LoginClientAsync();
        await using var writer = await server.LoginClientAsync();

        var subscription = await client.UpdateAsync(["be2"]);
        await writer.ActivateAsync("user.a", "be2!p", "");
        var moved = await subscription.ReadAsync(TimeSpan.FromSeconds(2));

        Assert.Equal([MailboxRecord.Active("user.b", "be2!p", "")], subscription.Snapshot);
        Assert.Equal(UpdateEventKind.Changed, moved?.Kind);
        Assert.Equal(MailboxRecord.Active("user.a", "be2!p", ""), moved?.Record);
    }
}
