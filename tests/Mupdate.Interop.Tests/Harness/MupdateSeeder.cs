using Mupdate.Interop.Tests.Harness.Wire;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>Seeds any MUPDATE master over the wire, pipelined on one admin connection.</summary>
public static class MupdateSeeder
{
    /// <summary>
    /// Sends one ACTIVATE or RESERVE per entry without waiting between them and throws, listing
    /// the first failures, unless every command got OK. Cyrus 3.6 serializes writes, so more
    /// connections would not be faster (10,000 took about 5 s here with one or with eight).
    /// </summary>
    public static async Task SeedAsync(
        string host,
        int port,
        string user,
        string password,
        IReadOnlyList<MailboxEntry> entries,
        CancellationToken cancellationToken)
    {
        await using var client = await TestMupdateClient.ConnectAndLoginAsync(host, port, user, password, cancellationToken)
            .ConfigureAwait(false);
        var commands = entries.Select((entry, index) => MupdateCommand.Activate($"S{index + 1}", entry)).ToList();
        var results = await client.ExecutePipelinedAsync(commands, cancellationToken).ConfigureAwait(false);
        var failures = results.Where(result => !result.IsOk).ToList();
        if (failures.Count > 0)
        {
            throw new InvalidOperationException(
                $"{failures.Count} of {entries.Count} seed commands failed on {host}:{port}; first ones:\n"
                + string.Join('\n', failures.Take(10)));
        }
    }
}
