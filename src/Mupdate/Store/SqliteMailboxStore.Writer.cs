using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Mupdate.Protocol;

namespace Mupdate.Store;

public sealed partial class SqliteMailboxStore
{
    private void RunWriter()
    {
        var batch = new List<PendingWrite>(_batchMax);
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < _batchMax && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            CommitBatch(batch);
            batch.Clear();
        }
    }

    private void CommitBatch(List<PendingWrite> batch)
    {
        // SQLite keeps writing to a database file that was deleted while open, and every change
        // would vanish at the next start; a stat per batch is cheap next to the commit's fsync.
        if (!File.Exists(_path))
        {
            if (_failureLog.TryAcquire(out var suppressed))
            {
                LogDatabaseRemoved(_logger, _path, batch.Count, suppressed);
            }
            var removed = WriteResult.Failed("database error: the database file was removed; the administrator must restart mupdate");
            foreach (var pending in batch)
            {
                pending.Completion.TrySetResult(removed);
            }

            return;
        }

        var revision = Revision;
        var changed = false;
        try
        {
            using var transaction = _writer.BeginTransaction(deferred: false);
            foreach (var pending in batch)
            {
                pending.Result = WriteResult.Unchanged;
                foreach (var request in pending.Requests)
                {
                    var current = _commands.Find(transaction, request.Name);
                    var decision = WriteRules.Decide(request, current);
                    if (!decision.Changes)
                    {
                        // Only single writes can be rejected (Put and Remove always succeed), and a
                        // write that changed a record earlier in the same group stays Applied.
                        if (pending.Changes is null)
                        {
                            pending.Result = decision.Result;
                        }

                        continue;
                    }

                    revision++;
                    changed = true;
                    if (decision.NewRecord is { } record)
                    {
                        _commands.Upsert(transaction, record, revision);
                    }
                    else
                    {
                        _commands.Delete(transaction, request.Name);
                    }

                    (pending.Changes ??= []).Add(new MailboxChange(revision, request.Name, current, decision.NewRecord));
                    pending.Result = WriteResult.Applied(revision);
                }

                if (pending.State is { } state)
                {
                    foreach (var (key, value) in state)
                    {
                        _commands.WriteState(transaction, key, value);
                    }
                }
            }

            if (changed)
            {
                _commands.WriteRevision(transaction, revision);
            }

            transaction.Commit();
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the transaction was rolled back by its disposal: fail every write
            // of the batch and keep the writer thread alive for the next one.
            // A full disk fails every batch: the first failure is logged with its exception, and
            // then one line per interval counts the batches that failed meanwhile.
            if (_failureLog.TryAcquire(out var suppressed))
            {
                LogBatchFailed(_logger, exception, batch.Count, _path, suppressed);
            }
            var failure = WriteResult.Failed(DescribeFailure(exception));
            foreach (var pending in batch)
            {
                pending.Changes = null;
                pending.Completion.TrySetResult(failure);
            }

            return;
        }

        // Publish before completing the writes: once a writer sees OK, the change is already queued
        // on every UPDATE stream, so the OK of a NOOP sent after that goes out after the change.
        foreach (var pending in batch)
        {
            foreach (var change in pending.Changes ?? [])
            {
                _feed.Publish(change);
                Interlocked.Exchange(ref _revision, change.Revision);
            }
        }

        foreach (var pending in batch)
        {
            pending.Completion.TrySetResult(pending.Result);
        }
    }

    private static string DescribeFailure(Exception exception) => exception is SqliteException sqlite
        ? sqlite.SqliteErrorCode switch
        {
            13 => "database error: disk full",
            10 => "database error: I/O error",
            8 => "database error: database is read-only",
            _ => "database error: commit failed",
        }
        : "internal error: commit failed";

    /// <summary>The writer's prepared statements; used only on the writer thread.</summary>
    private sealed class WriterCommands : IDisposable
    {
        private readonly SqliteCommand _upsert;
        private readonly SqliteCommand _delete;
        private readonly SqliteCommand _revision;
        private readonly SqliteCommand _find;
        private readonly SqliteCommand _state;

        public WriterCommands(SqliteConnection connection)
        {
            _find = ReaderConnection.CreateFind(connection);
            _upsert = connection.CreateCommand();
            _upsert.CommandText = """
                INSERT INTO mailboxes (sort_key, name, reserved, location, acl, revision)
                VALUES ($key, $name, $reserved, $location, $acl, $revision)
                ON CONFLICT (sort_key) DO UPDATE SET
                    name = excluded.name, reserved = excluded.reserved, location = excluded.location,
                    acl = excluded.acl, revision = excluded.revision
                """;
            foreach (var name in new[] { "$key", "$name", "$reserved", "$location", "$acl", "$revision" })
            {
                _upsert.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            _delete = connection.CreateCommand();
            _delete.CommandText = "DELETE FROM mailboxes WHERE sort_key = $key";
            _delete.Parameters.Add(new SqliteParameter { ParameterName = "$key" });

            _revision = connection.CreateCommand();
            _revision.CommandText = "UPDATE store_state SET value = $value WHERE key = 'revision'";
            _revision.Parameters.Add(new SqliteParameter { ParameterName = "$value" });

            _state = connection.CreateCommand();
            _state.CommandText = "INSERT INTO store_state (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
            _state.Parameters.Add(new SqliteParameter { ParameterName = "$key" });
            _state.Parameters.Add(new SqliteParameter { ParameterName = "$value" });
        }

        public long ReadRevision()
        {
            using var command = _revision.Connection!.CreateCommand();
            command.CommandText = "SELECT value FROM store_state WHERE key = 'revision'";
            return (long)command.ExecuteScalar()!;
        }

        public void WriteState(SqliteTransaction transaction, string key, long value)
        {
            _state.Transaction = transaction;
            _state.Parameters[0].Value = key;
            _state.Parameters[1].Value = value;
            _state.ExecuteNonQuery();
        }

        public MailboxRecord? Find(SqliteTransaction transaction, string name) => ReaderConnection.Find(_find, transaction, name);

        public void Upsert(SqliteTransaction transaction, MailboxRecord record, long revision)
        {
            _upsert.Transaction = transaction;
            _upsert.Parameters[0].Value = MailboxOrder.SortKey(record.Name);
            _upsert.Parameters[1].Value = record.Name;
            _upsert.Parameters[2].Value = record.Kind == MailboxKind.Reserved ? 1 : 0;
            _upsert.Parameters[3].Value = record.Location;
            _upsert.Parameters[4].Value = record.Acl;
            _upsert.Parameters[5].Value = revision;
            _upsert.ExecuteNonQuery();
        }

        public void Delete(SqliteTransaction transaction, string name)
        {
            _delete.Transaction = transaction;
            _delete.Parameters[0].Value = MailboxOrder.SortKey(name);
            _delete.ExecuteNonQuery();
        }

        public void WriteRevision(SqliteTransaction transaction, long revision)
        {
            _revision.Transaction = transaction;
            _revision.Parameters[0].Value = revision;
            _revision.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _find.Dispose();
            _upsert.Dispose();
            _delete.Dispose();
            _revision.Dispose();
            _state.Dispose();
        }
    }

    [LoggerMessage(EventId = 5005, Level = LogLevel.Critical, Message = "The database file {Path} was removed while open; {Count} writes rejected ({Suppressed} more batches since the previous message), and every write will be until mupdate is restarted")]
    private static partial void LogDatabaseRemoved(ILogger logger, string path, int count, long suppressed);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Commit of {Count} writes to {Path} failed; none of them was applied ({Suppressed} more failed batches since the previous message)")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count, string path, long suppressed);
}
