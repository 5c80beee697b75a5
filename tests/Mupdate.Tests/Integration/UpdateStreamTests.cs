using System.Collections.Concurrent;
using System.Diagnostics;
using Mupdate.Client;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>UPDATE over real sockets: the dump, then every later change pushed in commit order.</summary>
public sealed class UpdateStreamTests
{
    [Fact(Timeout = 10_000)]
    public async Task DumpThenStreamingStarts()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.b", "be1!p", "b\tlrs\t"));
        await server.Store.WriteAsync(WriteRequest.Reserve("user.a", "be2!p"));
        await server.Store.WriteAsync(WriteRequest.Activate("user.a.sub", "be2!p", ""));
        await server.Store.WriteAsync(WriteRequest.Activate("user.gone", "be2!p", ""));
        await server.Store.WriteAsync(WriteRequest.Delete("user.gone"));
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("U1 UPDATE\r\n");
        var dump = await connection.ReadUntilTaggedStatusAsync("U1");

        Assert.Equal(
            [
                "U1 RESERVE \"user.a\" \"be2!p\"\r\n",
                "U1 MAILBOX \"user.a.sub\" \"be2!p\" \"\"\r\n",
                "U1 MAILBOX \"user.b\" \"be1!p\" \"b\tlrs\t\"\r\n",
                "U1 OK \"streaming starts\"\r\n",
            ],
            dump.Select(r => r.Text));
    }

    [Fact(Timeout = 10_000)]
    public async Task ChangesArrivePromptlyInOrder()
    {
        await using var server = await TestServer.StartAsync();
        var (stream, _) = await server.StreamRawAsync();
        await using var writer = await server.LoginClientAsync();
        var steps = new (Func<Task> Write, string Line)[]
        {
            (() => writer.ActivateAsync("user.s", "be1!p", "s\tlrs\t"), "U1 MAILBOX \"user.s\" \"be1!p\" \"s\tlrs\t\"\r\n"),
            (() => writer.ReserveAsync("user.r", "be2!p"), "U1 RESERVE \"user.r\" \"be2!p\"\r\n"),
            (() => writer.ActivateAsync("user.r", "be2!p", ""), "U1 MAILBOX \"user.r\" \"be2!p\" \"\"\r\n"),
            (() => writer.DeactivateAsync("user.s", "be3!q"), "U1 RESERVE \"user.s\" \"be3!q\"\r\n"),
            (() => writer.DeleteAsync("user.r"), "U1 DELETE \"user.r\"\r\n"),
            (() => writer.DeleteAsync("user.s"), "U1 DELETE \"user.s\"\r\n"),
        };

        foreach (var (write, line) in steps)
        {
            await write();
            var acknowledged = Stopwatch.StartNew();
            var response = await stream.ReadResponseAsync(TimeSpan.FromSeconds(1));

            Assert.Equal(line, response.Text);
            Assert.True(acknowledged.Elapsed < TimeSpan.FromSeconds(1), $"{line.TrimEnd()} arrived {acknowledged.Elapsed} after the OK");
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task UnchangedAndFailedWritesAreNotStreamed()
    {
        await using var server = await TestServer.StartAsync();
        await server.Store.WriteAsync(WriteRequest.Activate("user.x", "be1!p", ""));
        await server.Store.WriteAsync(WriteRequest.Reserve("user.r", "be1!p"));
        var (stream, _) = await server.StreamRawAsync();
        await using var writer = await server.LoginClientAsync();

        await writer.ActivateAsync("user.x", "be1!p", "");
        await writer.ReserveAsync("user.r", "be1!p");
        await Assert.ThrowsAsync<MupdateCommandException>(() => writer.ReserveAsync("user.x", "be2!p"));
        await Assert.ThrowsAsync<MupdateCommandException>(() => writer.DeactivateAsync("user.r", "be1!p"));
        await Assert.ThrowsAsync<MupdateCommandException>(() => writer.DeleteAsync("user.none"));
        await stream.SendAsync("N1 NOOP\r\n");

        Assert.Equal("N1 OK \"Noop done\"\r\n", (await stream.ReadResponseAsync()).Text);
    }

    [Fact(Timeout = 15_000)]
    public async Task NoopOkFollowsAcknowledgedChange()
    {
        await using var server = await TestServer.StartAsync();
        var (stream, _) = await server.StreamRawAsync();
        await using var writer = await server.LoginClientAsync();

        for (var i = 0; i < 100; i++)
        {
            await writer.ActivateAsync($"user.n{i}", "be1!p", "");
            await stream.SendAsync($"N{i} NOOP\r\n");
            var first = await stream.ReadResponseAsync();
            var second = await stream.ReadResponseAsync();

            Assert.Equal($"U1 MAILBOX \"user.n{i}\" \"be1!p\" \"\"\r\n", first.Text);
            Assert.Equal($"N{i} OK \"Noop done\"\r\n", second.Text);
        }
    }

    [Fact(Timeout = 15_000)]
    public async Task ConcurrentWritersStreamInCommitOrder()
    {
        await using var server = await TestServer.StartAsync();
        var recorder = new ChangeRecorder();
        using var recording = server.Store.Subscribe(recorder, out var start);
        start.Dispose();
        await using var client = await server.LoginClientAsync();
        var subscription = await client.UpdateAsync();
        var other = await server.StreamRawAsync();

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            await using var writer = await server.LoginClientAsync();
            for (var i = 0; i < 60; i++)
            {
                var name = $"user.c{i % 15}";
                try
                {
                    switch ((i + w) % 4)
                    {
                        case 0:
                            await writer.ActivateAsync(name, $"be{w}!p", $"w{w}\tlrs\t");
                            break;
                        case 1:
                            await writer.ReserveAsync(name, $"be{w}!p");
                            break;
                        case 2:
                            await writer.DeactivateAsync(name, $"be{w}!q");
                            break;
                        default:
                            await writer.DeleteAsync(name);
                            break;
                    }
                }
                catch (MupdateCommandException exception) when (exception.Status == "NO")
                {
                    // Another writer changed the name first, so the rules rejected this write and nothing was written.
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);

        var noop = await subscription.SendNoopAsync();
        var streamed = new List<string>();
        UpdateEvent update;
        while ((update = (await subscription.ReadAsync(TimeSpan.FromSeconds(5)))!).Kind == UpdateEventKind.Changed
            || update.Kind == UpdateEventKind.Deleted)
        {
            streamed.Add(Describe(update.Record, update.Name));
        }

        await other.Connection.SendAsync("N9 NOOP\r\n");
        var rawLines = await other.Connection.ReadUntilTaggedStatusAsync("N9");

        var committed = recorder.Changes.Select(c => Describe(c.Current, c.Name)).ToArray();
        Assert.Equal(UpdateEventKind.Status, update.Kind);
        Assert.Equal(noop, update.Tag);
        Assert.Equal("Noop done", update.Response.Text);
        Assert.True(committed.Length > 50, $"only {committed.Length} changes were committed");
        Assert.Equal(committed, streamed);
        Assert.Equal(committed.Length + 1, rawLines.Count);
        Assert.Equal(Enumerable.Range(1, committed.Length).Select(i => (long)i), recorder.Changes.Select(c => c.Revision));
    }

    [Fact(Timeout = 15_000)]
    public async Task DumpNeverContainsDelete()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 200; i++)
        {
            await server.Store.WriteAsync(WriteRequest.Activate($"user.d{i}", "be1!p", ""));
        }

        using var stop = new CancellationTokenSource();
        var churn = Task.Run(async () =>
        {
            await using var writer = await server.LoginClientAsync();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await writer.DeleteAsync($"user.d{i % 200}");
                await writer.ActivateAsync($"user.d{i % 200}", "be1!p", "");
            }
        });

        var dumps = new List<IReadOnlyList<WireResponse>>();
        for (var i = 0; i < 10; i++)
        {
            var (connection, dump) = await server.StreamRawAsync();
            dumps.Add(dump);
            await connection.DisposeAsync();
        }

        await stop.CancelAsync();
        await churn;

        Assert.All(dumps, dump => Assert.All(dump, line => Assert.Equal("MAILBOX", line.Response.Word)));
        Assert.All(dumps, dump => Assert.InRange(dump.Count, 199, 200));
    }

    [Fact(Timeout = 10_000)]
    public async Task EveryStreamGetsEveryChange()
    {
        await using var server = await TestServer.StartAsync();
        var streams = new List<RawConnection>();
        for (var i = 0; i < 5; i++)
        {
            streams.Add((await server.StreamRawAsync()).Connection);
        }

        await using var writer = await server.LoginClientAsync();
        for (var i = 0; i < 20; i++)
        {
            await writer.ActivateAsync($"user.e{i}", "be1!p", "");
        }

        foreach (var stream in streams)
        {
            await stream.SendAsync("N1 NOOP\r\n");
            var lines = await stream.ReadUntilTaggedStatusAsync("N1");

            Assert.Equal(
                Enumerable.Range(0, 20).Select(i => $"U1 MAILBOX \"user.e{i}\" \"be1!p\" \"\"\r\n").Append("N1 OK \"Noop done\"\r\n"),
                lines.Select(r => r.Text));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task LogoutEndsStreamAndKeepsOthers()
    {
        await using var server = await TestServer.StartAsync();
        var (leaving, _) = await server.StreamRawAsync();
        var (staying, _) = await server.StreamRawAsync();
        await using var writer = await server.LoginClientAsync();

        await leaving.SendAsync("Q1 LOGOUT\r\n");
        var bye = await leaving.ReadLineAsync();
        var rest = await leaving.ReadToEndAsync();
        await writer.ActivateAsync("user.after", "be1!p", "");

        Assert.Equal("Q1 BYE \"bye-bye\"", bye);
        Assert.Empty(rest);
        Assert.Equal("U1 MAILBOX \"user.after\" \"be1!p\" \"\"\r\n", (await staying.ReadResponseAsync()).Text);
        Assert.Equal(1, server.Store.SubscriberCount);
    }

    [Fact(Timeout = 20_000)]
    public async Task PartialCommandAfterRejectionKeepsStreamIntact()
    {
        await using var server = await TestServer.StartAsync();
        var (stream, _) = await server.StreamRawAsync();
        await using var writer = await server.LoginClientAsync();
        const int rounds = 2000;

        // Each write ends with the start of the next command: the session queues the BAD for the
        // stream's pump and then waits for the rest of the command, while the pump writes the BAD.
        var typing = Task.Run(async () =>
        {
            await stream.SendAsync("B0 FIND \"x\"\r\nN");
            for (var i = 0; i < rounds; i++)
            {
                await stream.SendAsync($"{i} NOOP\r\nB{i + 1} FIND \"x\"\r\nN");
            }

            await stream.SendAsync($"{rounds} NOOP\r\n");
        });
        var changes = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await writer.ActivateAsync($"user.r{i:000}", "be1!p", "");
            }
        });

        var bad = 0;
        var ok = 0;
        var mailboxes = 0;
        while (ok <= rounds || mailboxes < 200)
        {
            var response = (await stream.ReadResponseAsync()).Response;
            switch (response.Word)
            {
                case "MAILBOX":
                    Assert.Equal($"user.r{mailboxes:000}", response.Arguments[0]);
                    mailboxes++;
                    break;
                case "BAD":
                    Assert.Equal($"B{bad} BAD not legal when streaming", $"{response.Tag} {response.Word} {response.Text}");
                    bad++;
                    break;
                default:
                    Assert.Equal($"N{ok} OK Noop done", $"{response.Tag} {response.Word} {response.Text}");
                    ok++;
                    break;
            }
        }

        await typing;
        await changes;

        Assert.Equal(rounds + 1, bad);
        Assert.DoesNotContain(server.Logs.Entries, e => e.EventId == 2004);
    }

    private static string Describe(MailboxRecord? record, string name) => record switch
    {
        null => $"DELETE {name}",
        { Kind: MailboxKind.Active } => $"MAILBOX {record.Name} {record.Location} {record.Acl}",
        _ => $"RESERVE {record.Name} {record.Location}",
    };

    /// <summary>Records every change the store publishes, in publishing order.</summary>
    private sealed class ChangeRecorder : IChangeSubscriber
    {
        private readonly ConcurrentQueue<MailboxChange> _changes = new();

        public IReadOnlyList<MailboxChange> Changes => _changes.ToArray();

        public bool TryDeliver(MailboxChange change)
        {
            _changes.Enqueue(change);
            return true;
        }
    }
}
