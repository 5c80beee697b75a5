using Microsoft.Data.Sqlite;

namespace Mupdate.Store;

/// <summary>The database layout and the connection settings every connection shares.</summary>
internal static class SqliteSchema
{
    /// <summary>
    /// The schema version kept in <c>PRAGMA user_version</c>. Version 2 keys '^' as '.', as Cyrus 3.6
    /// does; version 1 databases are re-keyed when opened.
    /// </summary>
    public const int Version = 2;

    /// <summary>
    /// The size SQLite cuts the write-ahead log back to after a checkpoint. Without it the log keeps
    /// the largest size it ever reached, which a long snapshot during heavy writes can make huge.
    /// </summary>
    public const long JournalSizeLimit = 64L * 1024 * 1024;

    // sort_key is the Cyrus mailboxes.db key of the name (see MailboxOrder), so the primary key's
    // order is the order LIST and UPDATE send. The mapping is one-to-one because names with control
    // characters are rejected before they reach the store.
    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS mailboxes (
            sort_key BLOB PRIMARY KEY,
            name TEXT NOT NULL,
            reserved INTEGER NOT NULL,
            location TEXT NOT NULL,
            acl TEXT NOT NULL,
            revision INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS store_state (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO store_state (key, value) VALUES ('revision', 0);
        """;

    public static string ConnectionString(string path, bool readOnly) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>
    /// Opens the writer's connection and brings the file to the current schema. WAL lets readers keep
    /// their snapshot while the writer commits; synchronous=FULL makes every commit durable before
    /// it returns.
    /// </summary>
    public static SqliteConnection OpenWriter(string path, out bool created)
    {
        created = CreateFile(path);
        var connection = new SqliteConnection(ConnectionString(path, readOnly: false));
        connection.Open();
        try
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=FULL;");
            Execute(connection, "PRAGMA busy_timeout=30000;");
            Execute(connection, $"PRAGMA journal_size_limit={JournalSizeLimit};");
            var version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (version > Version)
            {
                throw new InvalidDataException(
                    $"{path} has schema version {version}, newer than this program's {Version}; run the newer mupdate or restore a backup");
            }

            // Every database this program creates gets its tables and version 1 in one transaction,
            // so tables at version 0 belong to another program: refuse rather than mix with them.
            if (version == 0 && Scalar(connection, "SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 1") is string table)
            {
                throw new InvalidDataException(
                    $"{path} is not a mupdate database (it has a table '{table}' but no mupdate schema version); point mupdate_database at a new file");
            }

            using (var transaction = connection.BeginTransaction())
            {
                using var create = connection.CreateCommand();
                create.Transaction = transaction;
                create.CommandText = CreateTables;
                create.ExecuteNonQuery();
                if (version == 1)
                {
                    RekeyVersion1(connection, transaction);
                }

                create.CommandText = $"PRAGMA user_version={Version};";
                create.ExecuteNonQuery();
                transaction.Commit();
            }

            var mode = Scalar(connection, "PRAGMA journal_mode;") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{path}: SQLite did not switch to WAL mode (journal_mode is {mode})");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates an empty database file with mode 0600 when none exists, because the list of mailboxes
    /// and their ACLs is no business of other local users (Cyrus's mailboxes.db is 0600 too). SQLite
    /// gives its -wal and -shm files the mode of the database file. Returns whether it created one.
    /// </summary>
    private static bool CreateFile(string path)
    {
        if (File.Exists(path))
        {
            return false;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var file = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }

        return true;
    }

    /// <summary>Recomputes every sort key: version 1 keyed '^' as itself, where Cyrus keys it as '.'.</summary>
    private static void RekeyVersion1(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE mailboxes_rekeyed (
                sort_key BLOB PRIMARY KEY,
                name TEXT NOT NULL,
                reserved INTEGER NOT NULL,
                location TEXT NOT NULL,
                acl TEXT NOT NULL,
                revision INTEGER NOT NULL
            ) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO mailboxes_rekeyed (sort_key, name, reserved, location, acl, revision)
            SELECT $key, name, reserved, location, acl, revision FROM mailboxes WHERE sort_key = $old
            """;
        var key = insert.Parameters.Add(new SqliteParameter { ParameterName = "$key", SqliteType = SqliteType.Blob });
        var old = insert.Parameters.Add(new SqliteParameter { ParameterName = "$old", SqliteType = SqliteType.Blob });

        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT sort_key, name FROM mailboxes";
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                old.Value = reader.GetFieldValue<byte[]>(0);
                key.Value = Mupdate.Protocol.MailboxOrder.SortKey(reader.GetString(1));
                insert.ExecuteNonQuery();
            }
        }

        command.CommandText = "DROP TABLE mailboxes; ALTER TABLE mailboxes_rekeyed RENAME TO mailboxes;";
        command.ExecuteNonQuery();
    }

    /// <summary>Moves the write-ahead log into the database file and empties the log.</summary>
    public static void Checkpoint(SqliteConnection connection) => Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");

    public static SqliteConnection OpenReader(string path)
    {
        var connection = new SqliteConnection(ConnectionString(path, readOnly: true));
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout=30000;");
        return connection;
    }

    public static MailboxRecord ReadRecord(SqliteDataReader reader, int first) => new(
        reader.GetString(first),
        reader.GetInt64(first + 1) != 0 ? MailboxKind.Reserved : MailboxKind.Active,
        reader.GetString(first + 2),
        reader.GetString(first + 3));

    public const string RecordColumns = "name, reserved, location, acl";

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
