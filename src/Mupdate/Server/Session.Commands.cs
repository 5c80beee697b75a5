using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Server;

internal sealed partial class Session
{
    /// <summary>Runs one command; returns the reason to end the session, or null to go on.</summary>
    private async Task<string?> ExecuteAsync(Command command)
    {
        switch (command.Kind)
        {
            case CommandKind.Noop:
                return await NoopAsync(command).ConfigureAwait(false);
            case CommandKind.Logout:
                return await LogoutAsync(command).ConfigureAwait(false);
            case CommandKind.Authenticate:
                await AuthenticateAsync(command).ConfigureAwait(false);
                return null;
            case CommandKind.Find or CommandKind.List when !IsReplicaReady:
                // A slave without a complete copy cannot report a name as missing.
                ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.No, WireText.NotSynchronized);
                return null;
            case CommandKind.Update when !IsReplicaReady:
                return await UpdateAfterFirstSyncAsync(command).ConfigureAwait(false);
            case CommandKind.Find:
                Find(command);
                return null;
            case CommandKind.List:
                await ListAsync(command).ConfigureAwait(false);
                return null;
            case CommandKind.Update:
                await StartUpdateAsync(command).ConfigureAwait(false);
                return null;
            case CommandKind.Activate:
            case CommandKind.Reserve:
            case CommandKind.Deactivate:
            case CommandKind.Delete:
                await WriteAsync(command).ConfigureAwait(false);
                return null;
            default:
                throw new InvalidOperationException($"no handler for {command.Kind}");
        }
    }

    private bool IsReplicaReady => _context.Replica?.IsSynchronized ?? true;

    /// <summary>
    /// Holds an UPDATE that arrives before the slave's first sync until that sync commits, then
    /// starts the stream. Cyrus 3.6's slave takes a NO to its UPDATE as the end of an empty list
    /// and resyncs its mailboxes.db to it, so no tagged reply is sent. After mupdate_dump_timeout, or
    /// on shutdown, the connection closes without a reply, which makes a Cyrus slave reconnect.
    /// </summary>
    private async Task<string?> UpdateAfterFirstSyncAsync(Command command)
    {
        await FlushAsync().ConfigureAwait(false);
        try
        {
            await _context.Replica!.FirstSync.WaitAsync(Options.DumpTimeout, _context.Time, _closed.Token)
                .ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A Cyrus 3.6 slave takes the close as a failed sync and reconnects, keeping its list. It would
            // read a BYE or NO as an empty list, so shutdown, below, closes without one too.
            return $"UPDATE waited {Options.DumpTimeout.TotalSeconds:0} s for the first sync (mupdate_dump_timeout); "
                + "closed without a reply";
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            return "closed while UPDATE waited for the first sync";
        }

        await StartUpdateAsync(command).ConfigureAwait(false);
        return null;
    }

    private async Task<string?> NoopAsync(Command command)
    {
        if (_update is not null)
        {
            // On a slave, a streaming client's NOOP first waits for a round trip to the master, so the
            // OK also covers changes the master made before it (Cyrus kicks its master the same way).
            // The wait is bounded; when it fails the OK still covers everything this server has.
            using var wait = new CancellationTokenSource(Options.WriteTimeout);
            await _context.Kick.KickAsync(wait.Token).ConfigureAwait(false);
        }

        // While streaming, the OK joins the stream's queue behind every change already committed,
        // so it is sent only after them (RFC 3656 section 4.8).
        Respond(command.Tag, ResponseStatus.Ok, WireText.NoopDone);
        return null;
    }

    private async Task<string> LogoutAsync(Command command)
    {
        if (_update is { } update)
        {
            update.Enqueue(StreamItem.ForBye(command.Tag, WireText.ByeBye));
            update.Complete();
            return "logged out";
        }

        ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.Bye, WireText.ByeBye);
        await FlushAsync().ConfigureAwait(false);
        return "logged out";
    }

    private void Find(Command command)
    {
        var name = command.Argument(0);
        if (Store.Find(name) is { } record)
        {
            WriteRecord(command.Tag, record);
        }

        ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.Ok, WireText.SearchCompleted);
    }

    private async Task ListAsync(Command command)
    {
        var prefix = command.Arguments.Count > 0 ? command.Argument(0) : null;
        var started = _context.Time.GetTimestamp();
        using (var snapshot = Store.OpenSnapshot())
        {
            foreach (var record in snapshot.List(prefix))
            {
                WriteRecord(command.Tag, record);
                if (_output.UnflushedBytes >= FlushThreshold)
                {
                    await FlushAsync().ConfigureAwait(false);
                    CheckDumpDeadline(started, "LIST");
                }
            }
        }

        ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.Ok, WireText.ListComplete);
    }

    /// <summary>
    /// Ends the session when a LIST or UPDATE dump has taken longer than the dump timeout: its
    /// snapshot keeps SQLite from recycling the write-ahead log, which then grows with every write.
    /// </summary>
    private void CheckDumpDeadline(long started, string command)
    {
        if (_context.Time.GetElapsedTime(started) > Options.DumpTimeout)
        {
            throw new SessionAbortException(
                $"{command} did not finish within {Options.DumpTimeout.TotalSeconds:0} s (mupdate_dump_timeout); the client reads too slowly");
        }
    }

    private void WriteRecord(string tag, MailboxRecord record)
    {
        if (record.Kind == MailboxKind.Active)
        {
            ResponseWriter.WriteMailbox(_output, tag, record.Name, record.Location, record.Acl);
        }
        else
        {
            ResponseWriter.WriteReserve(_output, tag, record.Name, record.Location);
        }
    }

    private async Task WriteAsync(Command command)
    {
        var request = command.Kind switch
        {
            CommandKind.Activate => WriteRequest.Activate(command.Argument(0), command.Argument(1), command.Argument(2)),
            CommandKind.Reserve => WriteRequest.Reserve(command.Argument(0), command.Argument(1)),
            CommandKind.Deactivate => WriteRequest.Deactivate(command.Argument(0), command.Argument(1)),
            _ => WriteRequest.Delete(command.Argument(0)),
        };

        if (RecordValidation.Check(request) is { } invalid)
        {
            SessionLog.CommandRejected(_context.CommandLogger, Id, command.Tag, command.Kind, invalid);
            ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.Bad, invalid);
            return;
        }

        var result = await Store.WriteAsync(request).ConfigureAwait(false);
        switch (result.Status)
        {
            case WriteStatus.Applied:
            case WriteStatus.Unchanged:
                SessionLog.WriteApplied(_context.CommandLogger, Id, command.Kind, request.Name, result.Revision);
                ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.Ok, WireText.Done);
                break;
            case WriteStatus.Rejected:
                SessionLog.WriteRefused(_context.CommandLogger, Id, command.Kind, request.Name, result.Reason!);
                ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.No, result.Reason!);
                break;
            default:
                SessionLog.WriteFailed(_context.CommandLogger, Id, command.Kind, request.Name, result.Reason!);
                ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.No, result.Reason!);
                break;
        }
    }
}
