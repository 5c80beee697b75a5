using Microsoft.Data.Sqlite;

namespace Mupdate.Store;

/// <summary>The database layout and the connection settings every connection shares.</summary>
internal static class SqliteSchema
{
    /// <summary>The schema version kept in <c>PRAGMA user_version</c>.</summary>
    public const int Version = 1;

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
    public static SqliteConnection OpenWriter(string path)
    {
        var connection = new SqliteConnection(ConnectionString(path, readOnly: false));
        connection.Open();
        try
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=FULL;");
            Execute(connection, "PRAGMA busy_timeout=30000;");
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
                create.CommandText = CreateTables + $"PRAGMA user_version={Version};";
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
