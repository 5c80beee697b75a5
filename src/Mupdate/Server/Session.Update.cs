using Mupdate.Protocol;

namespace Mupdate.Server;

internal sealed partial class Session
{
    /// <summary>
    /// UPDATE (RFC 3656 section 4.11): subscribes to the change feed, sends the snapshot taken right
    /// after subscribing, then hands the connection's output to the stream's pump. Changes committed
    /// while the dump is sent wait in the stream's queue; those the snapshot already has are skipped.
    /// </summary>
    private async Task StartUpdateAsync(Command command)
    {
        var update = new UpdateStream(command.Tag, command.Arguments, Options.StreamQueueMax, Options.StreamBufferMax);
        var subscription = Store.Subscribe(update, out var snapshot);
        long sent = 0;
        var started = _context.Time.GetTimestamp();
        try
        {
            using (snapshot)
            {
                foreach (var record in snapshot.List())
                {
                    if (!update.Matches(record))
                    {
                        continue;
                    }

                    WriteRecord(command.Tag, record);
                    sent++;
                    if (_output.UnflushedBytes >= FlushThreshold)
                    {
                        await FlushAsync().ConfigureAwait(false);
                        CheckDumpDeadline(started, "UPDATE");
                    }
                }

                update.SnapshotRevision = snapshot.Revision;
            }

            ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.Ok, WireText.StreamingStarts);
            await FlushAsync().ConfigureAwait(false);
        }
        catch
        {
            subscription.Dispose();
            throw;
        }

        _subscription = subscription;
        _update = update;
        _state = SessionState.Streaming;
        var hosts = command.Arguments.Count == 0 ? "all" : string.Join(' ', command.Arguments);
        SessionLog.StreamStarted(_context.StreamLogger, Id, User, hosts, sent, update.SnapshotRevision);
        _pump = Task.Run(() => RunPumpAsync(update));
    }

    private async Task<StreamEnd> RunPumpAsync(UpdateStream update)
    {
        try
        {
            var end = await update.PumpAsync(_output, FlushAsync).ConfigureAwait(false);
            if (end == StreamEnd.Overflow)
            {
                await SayByeAsync("too many changes waited for this client; reconnect and resynchronize").ConfigureAwait(false);
            }

            return end;
        }
        finally
        {
            // The read loop may be waiting for the client's next command: end it now.
            _closed.Cancel();
        }
    }

    private const string OverflowReason =
        "update queue overflowed: the client read too slowly, or one commit had more changes than the queue holds";

    /// <summary>Stops the stream, if any, and returns the session's end reason with the stream's.</summary>
    private async Task<string> StopStreamAsync(string reason)
    {
        if (_update is not { } update)
        {
            return reason;
        }

        _subscription?.Dispose();
        update.Complete();
        StreamEnd end;
        try
        {
            end = await _pump!.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            SessionLog.StreamEnded(_context.StreamLogger, Id, update.ChangesSent, "connection lost: " + exception.Message);
            return reason;
        }

        var streamReason = end switch
        {
            StreamEnd.Overflow => OverflowReason,
            StreamEnd.Logout => _shuttingDown ? "server shutting down" : "logged out",
            _ => reason,
        };
        if (end == StreamEnd.Overflow)
        {
            SessionLog.StreamOverflowed(_context.StreamLogger, Id, update.ChangesSent);
        }

        SessionLog.StreamEnded(_context.StreamLogger, Id, update.ChangesSent, streamReason);
        return streamReason;
    }
}
