using Microsoft.Extensions.Logging;
using Mupdate.Client;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>
/// DELETE and DEACTIVATE of names that are missing or only reserved. Cyrus 3.6 crashes the whole
/// process on some of them, so here every one gets NO and no other connection notices anything.
/// </summary>
public sealed class FailedWriteIsolationTests
{
    [Fact(Timeout = 15_000)]
    public async Task FailedWritesLeaveOtherConnectionsWorking()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Reserve("user.reserved", "be1!p"));
        var (stream, dump) = await server.StreamRawAsync();
        await using var pipeline = await server.LoginRawAsync();
        await using var failing = await server.LoginRawAsync();

        // The pipeline's first half is on the wire before the failing writes and the rest after.
        await pipeline.SendAsync(string.Concat(Enumerable.Range(0, 20).Select(i => $"A{i} ACTIVATE \"user.p{i}\" \"be1!p\" \"\"\r\n")));
        var failures = new List<string>();
        for (var round = 0; round < 10; round++)
        {
            await failing.SendAsync(
                $"D{round}a DELETE \"user.none{round}\"\r\n" +
                $"D{round}b DEACTIVATE \"user.none{round}\" \"be1!p\"\r\n" +
                $"D{round}c DEACTIVATE \"user.reserved\" \"be1!p\"\r\n");
            failures.Add(await failing.ReadLineAsync());
            failures.Add(await failing.ReadLineAsync());
            failures.Add(await failing.ReadLineAsync());
        }

        await pipeline.SendAsync(string.Concat(Enumerable.Range(20, 20).Select(i => $"A{i} ACTIVATE \"user.p{i}\" \"be1!p\" \"\"\r\n")));
        var pipelineAnswers = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            pipelineAnswers.Add(await pipeline.ReadLineAsync());
        }

        await stream.SendAsync("N1 NOOP\r\n");
        var streamed = await stream.ReadUntilTaggedStatusAsync("N1");
        await failing.SendAsync("N2 NOOP\r\n");
        var failingNoop = await failing.ReadLineAsync();

        Assert.Equal("U1 RESERVE \"user.reserved\" \"be1!p\"\r\n", Assert.Single(dump).Text);
        for (var round = 0; round < 10; round++)
        {
            Assert.Equal($"D{round}a NO \"mailbox doesn't exist\"", failures[3 * round]);
            Assert.Equal($"D{round}b NO \"mailbox doesn't exist\"", failures[(3 * round) + 1]);
            Assert.Equal($"D{round}c NO \"mailbox not currently active\"", failures[(3 * round) + 2]);
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"A{i} OK \"done\""), pipelineAnswers);
        Assert.Equal(
            Enumerable.Range(0, 40).Select(i => $"U1 MAILBOX \"user.p{i}\" \"be1!p\" \"\"\r\n").Append("N1 OK \"Noop done\"\r\n"),
            streamed.Select(r => r.Text));
        Assert.Equal("N2 OK \"Noop done\"", failingNoop);
        Assert.Equal(MailboxRecord.Reserved("user.reserved", "be1!p"), server.Store.Find("user.reserved"));
        Assert.Equal(41, server.Store.Revision);
    }

    [Fact(Timeout = 15_000)]
    public async Task ServerAcceptsNewSessionsAfterFailedWrites()
    {
        await using var server = await TestServer.StartAsync();
        await using (var failing = await server.LoginClientAsync())
        {
            for (var i = 0; i < 20; i++)
            {
                await Assert.ThrowsAsync<MupdateCommandException>(() => failing.DeleteAsync($"user.gone{i}"));
                await Assert.ThrowsAsync<MupdateCommandException>(() => failing.DeactivateAsync($"user.gone{i}", "be1!p"));
            }
        }

        await using var fresh = await server.LoginClientAsync();
        await fresh.ActivateAsync("user.after", "be1!p", "");
        var subscription = await fresh.UpdateAsync();

        Assert.Equal([MailboxRecord.Active("user.after", "be1!p", "")], subscription.Snapshot);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Error);
    }
}
