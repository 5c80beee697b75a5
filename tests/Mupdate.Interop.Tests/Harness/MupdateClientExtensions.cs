using Mupdate.Client;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// Reads of the product's <see cref="MupdateClient"/> as <see cref="MailboxEntry"/> values, and checked writes.
/// </summary>
public static class MupdateClientExtensions
{
    /// <summary>Sends FIND and returns the entry, or null when the server has no such name.</summary>
    public static async Task<MailboxEntry?> FindEntryAsync(
        this MupdateClient client, string name, CancellationToken cancellationToken) =>
        await client.FindAsync(name, cancellationToken).ConfigureAwait(false) is { } record
            ? MailboxEntry.FromRecord(record)
            : null;

    /// <summary>
    /// Sends LIST (every entry) and returns the entries sorted by name (ordinal), because servers differ in order.
    /// </summary>
    public static async Task<List<MailboxEntry>> ListEntriesByNameAsync(
        this MupdateClient client, CancellationToken cancellationToken)
    {
        var records = await client.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. records.Select(MailboxEntry.FromRecord).OrderBy(entry => entry.Name, StringComparer.Ordinal)];
    }

    /// <summary>Awaits a write and fails the test, naming the command, when the server replies NO or BAD.</summary>
    public static async Task RequireOkAsync(string command, Task write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (MupdateCommandException ex)
        {
            Assert.Fail($"master rejected {command}: {ex.Status} \"{ex.Text}\"");
        }
    }
}
