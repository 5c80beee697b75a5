using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mupdate.IO;
using Mupdate.Logging;
using Mupdate.Protocol;

namespace Mupdate.Store;

/// <summary>
/// The mailbox list in one SQLite file (WAL mode, synchronous=FULL). A single writer thread takes
/// queued writes in batches, checks each one's precondition against the state its predecessors in
/// the batch left, commits the batch in one transaction (group commit), and only then publishes
/// the changes and completes the writes. Readers use their own connections and see committed data.
/// </summary>
public sealed partial class SqliteMailboxStore : IMailboxStore
{
    private readonly string _path;
    private readonly int _batchMax;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue;
    private readonly ChangeFeed _feed = new();
    private readonly ConcurrentBag<ReaderConnection> _readers = new();
    private readonly SqliteConnection _writer;
    private readonly WriterCommands _commands;
    private readonly Thread _writerThread;
    private readonly LockFile _lock;
    private readonly LogRateLimiter _failureLog = new(TimeSpan.FromSeconds(10));
    private long _revision;
    private int _disposed;

    private SqliteMailboxStore(string path, MailboxStoreOptions options, ILogger logger, SqliteConnection writer, LockFile databaseLock)
    {
        _path = path;
        _lock = databaseLock;
        _batchMax = options.CommitBatchMax;
        _logger = logger;
        _writer = writer;
        _commands = new WriterCommands(writer);
        _revision = _commands.ReadRevision();

        // Bounded so that a flood of writers waits instead of growing memory. Each session has at
        // most one write in flight, so the bound is only reached with that many sessions writing.
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writerThread = new Thread(RunWriter) { IsBackground = true, Name = "mupdate store writer" };
        _writerThread.Start();
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    public static SqliteMailboxStore Open(string path, MailboxStoreOptions? options = null, ILogger? logger = null)
    {
        options ??= new MailboxStoreOptions();
        logger ??= NullLogger.Instance;
        // A second server on the same database would write it with its own revision counter, and
        // neither's UPDATE streams would see the other's changes, so the second one stops here.
        var databaseLock = LockFile.TryAcquire(path + ".lock", out var holder)
            ?? throw new IOException(
                $"the database is in use by another mupdate process (pid {holder ?? "unknown"}); stop it, or give this one its own mupdate_database");
        SqliteConnection writer;
        bool created;
        try
        {
            writer = SqliteSchema.OpenWriter(path, out created);
        }
        catch
        {
            databaseLock.Dispose();
            throw;
        }

        var store = new SqliteMailboxStore(path, options, logger, writer, databaseLock);
        if (created)
        {
            // Worth a warning: a new database where one was expected (a wrong mupdate_database, or
            // files deleted by hand) means an empty mailbox list for every client.
            LogCreated(logger, path);
        }

        var count = store.CountRecords();
        LogOpened(logger, path, store._revision, count);
        return store;
    }

    public long Revision => Interlocked.Read(ref _revision);

    public string Path => _path;

    public int SubscriberCount => _feed.Count;

    public async Task<WriteResult> WriteAsync(WriteRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new PendingWrite([request], null);
        await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    public async Task<WriteResult> WriteAllAsync(
        IReadOnlyList<WriteRequest> requests,
        IReadOnlyDictionary<string, long>? state = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        foreach (var request in requests)
        {
            if (request.Kind is not (WriteKind.Put or WriteKind.Remove))
            {
                throw new ArgumentException("only Put and Remove can be written together", nameof(requests));
            }
        }

        var pending = new PendingWrite(requests, state);
        await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    public long? ReadState(string key)
    {
        var connection = RentReader();
        try
        {
            using var command = connection.Connection.CreateCommand();
            command.CommandText = "SELECT value FROM store_state WHERE key = $key";
            command.Parameters.AddWithValue("$key", key);
            return command.ExecuteScalar() is long value ? value : null;
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    public MailboxRecord? Find(string name)
    {
        var connection = RentReader();
        try
        {
            return connection.Find(name);
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    public IMailboxSnapshot OpenSnapshot() => new Snapshot(this, RentReader());

    public IDisposable Subscribe(IChangeSubscriber subscriber, out IMailboxSnapshot snapshot)
    {
        var registration = _feed.Add(subscriber);
        try
        {
            snapshot = OpenSnapshot();
            return registration;
        }
        catch
        {
            registration.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Writes already queued are still committed and completed before the writer stops.
        _queue.Writer.TryComplete();
        await Task.Run(() => _writerThread.Join()).ConfigureAwait(false);
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }

        // With every reader closed, the checkpoint can move the whole log into the database file, so
        // a stopped server leaves one self-contained file (the -wal file is then empty).
        try
        {
            SqliteSchema.Checkpoint(_writer);
        }
        catch (SqliteException exception)
        {
            LogCheckpointFailed(_logger, exception, _path);
        }

        _commands.Dispose();
        _writer.Dispose();
        _lock.Dispose();

        LogClosed(_logger, _path, Revision);
    }

    private long CountRecords()
    {
        var connection = RentReader();
        try
        {
            using var command = connection.Connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM mailboxes";
            return (long)command.ExecuteScalar()!;
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    private ReaderConnection RentReader() =>
        _readers.TryTake(out var connection) ? connection : new ReaderConnection(_path);

    private void ReturnReader(ReaderConnection connection)
    {
        // A handful of idle connections cover the usual concurrency; more are closed, not kept.
        const int maxIdleReaders = 16;
        if (Volatile.Read(ref _disposed) == 0 && _readers.Count < maxIdleReaders)
        {
            _readers.Add(connection);
        }
        else
        {
            connection.Dispose();
        }
    }

    /// <summary>
    /// One queued write: a single request, or several (with state values) that commit or fail together.
    /// </summary>
    private sealed class PendingWrite(IReadOnlyList<WriteRequest> requests, IReadOnlyDictionary<string, long>? state)
    {
        public IReadOnlyList<WriteRequest> Requests { get; } = requests;

        public IReadOnlyDictionary<string, long>? State { get; } = state;

        public TaskCompletionSource<WriteResult> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WriteResult Result { get; set; }

        public List<MailboxChange>? Changes { get; set; }
    }

    private sealed class Snapshot : IMailboxSnapshot
    {
        private readonly SqliteMailboxStore _store;
        private readonly ReaderConnection _reader;
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;
        private bool _disposed;

        public Snapshot(SqliteMailboxStore store, ReaderConnection reader)
        {
            _store = store;
            _reader = reader;
            var connection = reader.Connection;
            _connection = connection;
            _transaction = connection.BeginTransaction(deferred: true);

            // In WAL mode the read snapshot starts with the first read, so reading the revision here
            // pins the view at exactly that revision.
            using var command = connection.CreateCommand();
            command.Transaction = _transaction;
            command.CommandText = "SELECT value FROM store_state WHERE key = 'revision'";
            Revision = (long)command.ExecuteScalar()!;
        }

        public long Revision { get; }

        public MailboxRecord? Find(string name) => _reader.Find(name, _transaction);

        public IEnumerable<MailboxRecord> List(string? locationPrefix = null)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = _transaction;
            if (string.IsNullOrEmpty(locationPrefix))
            {
                command.CommandText = $"SELECT {SqliteSchema.RecordColumns} FROM mailboxes ORDER BY sort_key";
            }
            else
            {
                command.CommandText =
                    $"SELECT {SqliteSchema.RecordColumns} FROM mailboxes WHERE substr(location, 1, length($prefix)) = $prefix ORDER BY sort_key";
                command.Parameters.AddWithValue("$prefix", locationPrefix);
            }

            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                yield return SqliteSchema.ReadRecord(reader, 0);
            }
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _transaction.Dispose();
            _store.ReturnReader(_reader);
        }
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Opened mailbox database {Path} at revision {Revision} with {Count} entries")]
    private static partial void LogOpened(ILogger logger, string path, long revision, long count);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Created a new, empty mailbox database {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Checkpoint of {Path} at close failed; its -wal file still holds recent changes, so keep it with the database")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Closed mailbox database {Path} at revision {Revision}")]
    private static partial void LogClosed(ILogger logger, string path, long revision);
}

/// <summary>Settings of <see cref="SqliteMailboxStore"/>.</summary>
public sealed record MailboxStoreOptions
{
    /// <summary>Most writes committed in one transaction.</summary>
    public int CommitBatchMax { get; init; } = 1024;

    /// <summary>Writes that may wait for the writer before <see cref="IMailboxStore.WriteAsync"/> waits too.</summary>
    public int QueueCapacity { get; init; } = 4096;
}
