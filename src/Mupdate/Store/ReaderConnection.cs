using Microsoft.Data.Sqlite;
using Mupdate.Protocol;

namespace Mupdate.Store;

/// <summary>
/// A pooled read-only connection with its lookup statement prepared once, because preparing the
/// statement again for every FIND costs about as much as running it.
/// </summary>
internal sealed class ReaderConnection : IDisposable
{
    private readonly SqliteCommand _find;

    public ReaderConnection(string path)
    {
        Connection = SqliteSchema.OpenReader(path);
        _find = CreateFind(Connection);
    }

    public SqliteConnection Connection { get; }

    public MailboxRecord? Find(string name, SqliteTransaction? transaction = null) => Find(_find, transaction, name);

    public static SqliteCommand CreateFind(SqliteConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteSchema.RecordColumns} FROM mailboxes WHERE sort_key = $key";
        command.Parameters.Add(new SqliteParameter { ParameterName = "$key", SqliteType = SqliteType.Blob });
        command.Prepare();
        return command;
    }

    public static MailboxRecord? Find(SqliteCommand find, SqliteTransaction? transaction, string name)
    {
        find.Transaction = transaction;
        find.Parameters[0].Value = MailboxOrder.SortKey(name);
        using var reader = find.ExecuteReader();
        return reader.Read() ? SqliteSchema.ReadRecord(reader, 0) : null;
    }

    public void Dispose()
    {
        _find.Dispose();
        Connection.Dispose();
    }
}
