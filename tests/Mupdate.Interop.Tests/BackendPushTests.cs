using System.Globalization;
using System.Text.RegularExpressions;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests;

/// <summary>
/// A Cyrus 3.6 backend pushes its local mailbox list to the master under test with <c>ctl_mboxlist -m</c>.
/// </summary>
public sealed partial class BackendPushTests
{
    private const string BackendName = "backend1.test";
    private const int UserCount = 250;

    private static readonly string[] s_folderSuffixes = ["", ".Sent Items", ".a-b", ".a.b"];

    [Fact(Timeout = 180_000)]
    public Task PushThenRepushIsNoOp() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await session.StartMasterAsync();
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy backend -> master");
        var backend = session.Track(
            await CyrusInstance.CreateBackendAsync(
                new CyrusInstanceOptions { ServerName = BackendName },
                new MupdateUplink(proxy.Host, proxy.Port, master.AdminUser, master.AdminPassword)
                {
                    ForceClientMechanism = "PLAIN",
                },
                cancellationToken),
            "Cyrus backend");

        var local = BuildLocalMailboxes();
        Assert.Equal(1000, local.Count);
        await session.TimeAsync(
            "ctl_mboxlist -u (1,000 local mailboxes)", () => CtlMboxlist.UndumpAsync(backend, local, cancellationToken));
        var backendDump = await CtlMboxlist.DumpAsync(backend, cancellationToken);
        Assert.Equal(local.Count, backendDump.Count);
        Assert.All(backendDump.Values, mailbox => Assert.Equal("e", mailbox.MailboxType));

        var firstPush = await session.TimeAsync(
            "ctl_mboxlist -m (first push)", () => CtlMboxlist.PushAsync(backend, cancellationToken));
        session.AddDiagnostics("first push", firstPush.Describe);
        Assert.True(firstPush.ExitCode == 0, firstPush.Describe());
        await proxy.WaitForClientEofAsync(1, cancellationToken);
        var firstCommands = CommandVerbs(proxy.ClientLines(1));
        session.Record($"first push: {firstCommands.Count} commands in {firstPush.Elapsed.TotalSeconds:F3} s");
        // Without -a, Cyrus 3.6 sends a FIND before each ACTIVATE, one command at a time.
        Assert.Equal(local.Count, firstCommands.Count(verb => verb == "FIND"));
        Assert.Equal(local.Count, firstCommands.Count(verb => verb == "ACTIVATE"));
        Assert.DoesNotContain("DELETE", firstCommands);

        var listAfterFirst = await ListAllAsync(master, cancellationToken);
        var expected = local.Select(mailbox => MailboxEntry.Active(
            mailbox.Name, $"{BackendName}!{mailbox.Partition}", MupdateAcl.Format(mailbox.Acl))).ToList();
        Assert.Equal(SortedKeys(expected), SortedKeys(listAfterFirst));

        var secondPush = await session.TimeAsync(
            "ctl_mboxlist -m (second push)", () => CtlMboxlist.PushAsync(backend, cancellationToken));
        session.AddDiagnostics("second push", secondPush.Describe);
        Assert.True(secondPush.ExitCode == 0, secondPush.Describe());
        await proxy.WaitForClientEofAsync(2, cancellationToken);
        var secondCommands = CommandVerbs(proxy.ClientLines(2));
        session.Record(
            $"second push: {secondCommands.Count} commands ({string.Join(' ', secondCommands)}) "
            + $"in {secondPush.Elapsed.TotalSeconds:F3} s");

        // In sync, Cyrus 3.6's ctl_mboxlist -m only logs in, lists its own server's entries and logs out.
        Assert.Equal(["AUTHENTICATE", "LIST", "LOGOUT"], secondCommands);
        Assert.Equal(listAfterFirst, await ListAllAsync(master, cancellationToken));
    });

    [Fact(Timeout = 180_000)]
    public Task DottedUserNamesRepushCleanly() => InteropSession.RunAsync(async session =>
    {
        // With unixhierarchysep, the user john.doe's mailboxes are user.john^doe...; Cyrus keys '^'
        // as '.', so these names sort differently from a plain byte order, and ctl_mboxlist -m
        // exits 70 ("mupdate said not us before it said us") when the master's LIST order differs.
        var cancellationToken = session.CancellationToken;
        var master = await session.StartMasterAsync();
        var proxy = session.Track(RecordingProxy.Start(master.Host, master.Port), "proxy backend -> master");
        var backend = session.Track(
            await CyrusInstance.CreateBackendAsync(
                new CyrusInstanceOptions { ServerName = BackendName },
                new MupdateUplink(proxy.Host, proxy.Port, master.AdminUser, master.AdminPassword)
                {
                    ForceClientMechanism = "PLAIN",
                },
                cancellationToken),
            "Cyrus backend");
        string[] names =
        [
            "user.joh", "user.john", "user.john-x", "user.john^doe", "user.john^doe.Sent", "user.john2",
            "user.johnB", "user.a-b", "user.a^b", "user.a^b.c", "user.a\\b",
        ];
        var local = names
            .Select(name => new LocalMailbox(name, "default", [KeyValuePair.Create("anyone", "lr")]))
            .ToList();
        await CtlMboxlist.UndumpAsync(backend, local, cancellationToken);

        for (var push = 1; push <= 3; push++)
        {
            var result = await session.TimeAsync($"ctl_mboxlist -m (push {push})", () => CtlMboxlist.PushAsync(backend, cancellationToken));
            session.AddDiagnostics($"push {push}", result.Describe);
            Assert.True(result.ExitCode == 0, result.Describe());
            if (push > 1)
            {
                await proxy.WaitForClientEofAsync(push, cancellationToken);
                Assert.Equal(["AUTHENTICATE", "LIST", "LOGOUT"], CommandVerbs(proxy.ClientLines(push)));
            }
        }

        var listed = await ListAllAsync(master, cancellationToken);
        Assert.Equal(names.Order(StringComparer.Ordinal), listed.Select(entry => entry.Name).Order(StringComparer.Ordinal));
    });

    /// <summary>
    /// 250 users with four folders each: the INBOX, one with a space, one with '-', and a
    /// sub-folder two levels deep. The INBOX also grants <c>anyone</c> lookup and read.
    /// </summary>
    private static List<LocalMailbox> BuildLocalMailboxes()
    {
        var mailboxes = new List<LocalMailbox>();
        for (var user = 1; user <= UserCount; user++)
        {
            var owner = "u" + user.ToString("D4", CultureInfo.InvariantCulture);
            foreach (var suffix in s_folderSuffixes)
            {
                List<KeyValuePair<string, string>> acl = [KeyValuePair.Create(owner, "lrswipkxtecda")];
                if (suffix.Length == 0)
                {
                    acl.Add(KeyValuePair.Create("anyone", "lr"));
                }

                mailboxes.Add(new LocalMailbox($"user.{owner}{suffix}", "default", acl));
            }
        }

        return mailboxes;
    }

    private static async Task<IReadOnlyList<MailboxEntry>> ListAllAsync(
        IMasterUnderTest master, CancellationToken cancellationToken)
    {
        await using var client = await MupdateLogin.ConnectAsync(
            master.Host, master.Port, master.AdminUser, master.AdminPassword, cancellationToken);
        var records = await client.ListAsync(cancellationToken: cancellationToken);
        return [.. records.Select(MailboxEntry.FromRecord)];
    }

    /// <summary>
    /// Kind, name, location and ACL of each entry, sorted. The ACL pairs are sorted too, so their
    /// order does not count.
    /// </summary>
    private static List<string> SortedKeys(IEnumerable<MailboxEntry> entries) =>
        [.. entries
            .Select(entry => $"{entry.Kind} {entry.Name} {entry.Location} {SortedAcl(entry)}")
            .Order(StringComparer.Ordinal)];

    private static string SortedAcl(MailboxEntry entry) =>
        string.Join(
            ",",
            entry.AclPairs.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value}"));

    /// <summary>The verb of every command line the client sent (literal continuation lines skipped).</summary>
    private static List<string> CommandVerbs(IReadOnlyList<string> clientLines) =>
        [.. clientLines
            .Select(line => CommandLinePattern().Match(line))
            .Where(match => match.Success)
            .Select(match => match.Groups["verb"].Value.ToUpperInvariant())];

    [GeneratedRegex(@"^(?:[AXQ]\d+) (?<verb>[A-Za-z]+)(?: |$)", RegexOptions.CultureInvariant)]
    private static partial Regex CommandLinePattern();
}
