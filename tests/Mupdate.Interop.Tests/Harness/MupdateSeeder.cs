using System.Collections.Concurrent;
using Mupdate.Client;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>Seeds any MUPDATE master with the product's client, on several admin connections at once.</summary>
public static class MupdateSeeder
{
    /// <summary>
    /// Connections used at once. The client sends one command and waits for its reply, so one
    /// connection pays a round trip and a commit per entry. Our master commits the writes of many
    /// connections in one transaction, and Cyrus 3.6 serves each connection in its own thread.
    /// </summary>
    public const int Connections = 8;

    /// <summary>
    /// Sends one ACTIVATE or RESERVE per entry, entry i on connection i mod <see cref="Connections"/>,
    /// and throws, listing the first failures, unless every command got OK. The entries must have
    /// distinct names, because the order between connections is not fixed.
    /// </summary>
    public static async Task SeedAsync(
        string host,
        int port,
        string user,
        string password,
        IReadOnlyList<MailboxEntry> entries,
        CancellationToken cancellationToken)
    {
        var failures = new ConcurrentQueue<string>();
        var connections = Math.Min(Connections, entries.Count);
        var workers = Enumerable.Range(0, connections).Select(worker => SeedSliceAsync(
            host,
            port,
            user,
            password,
            [.. entries.Where((_, index) => index % connections == worker)],
            failures,
            cancellationToken));
        await Task.WhenAll(workers).ConfigureAwait(false);
        if (!failures.IsEmpty)
        {
            throw new InvalidOperationException(
                $"{failures.Count} of {entries.Count} seed commands failed on {host}:{port}; first ones:\n"
                + string.Join('\n', failures.Take(10)));
        }
    }

    /// <summary>Writes <paramref name="entry"/> with ACTIVATE, or with RESERVE for a reservation.</summary>
    public static Task WriteEntryAsync(MupdateClient client, MailboxEntry entry, CancellationToken cancellationToken) =>
        entry.Kind == MailboxEntryKind.Active
            ? client.ActivateAsync(entry.Name, entry.Location, entry.Acl, cancellationToken)
            : client.ReserveAsync(entry.Name, entry.Location, cancellationToken);

    private static async Task SeedSliceAsync(
        string host,
        int port,
        string user,
        string password,
        IReadOnlyList<MailboxEntry> slice,
        ConcurrentQueue<string> failures,
        CancellationToken cancellationToken)
    {
        await using var client = await MupdateLogin.ConnectAsync(host, port, user, password, cancellationToken)
            .ConfigureAwait(false);
        foreach (var entry in slice)
        {
            try
            {
                await WriteEntryAsync(client, entry, cancellationToken).ConfigureAwait(false);
            }
            catch (MupdateCommandException ex)
            {
                failures.Enqueue($"{entry} => {ex.Status} \"{ex.Text}\"");
            }
        }

        await client.LogoutAsync(cancellationToken).ConfigureAwait(false);
    }
}
