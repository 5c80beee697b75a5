using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests;

/// <summary>Cyrus 3.6's mupdatetest client logs in to the master under test and reads the list.</summary>
public sealed class MupdatetestLoginTests
{
    private static readonly MailboxEntry s_alice =
        MailboxEntry.Active("user.alice", "be1!default", MupdateAcl.Format(("alice", "lrswipkxtecda"), ("anyone", "lr")));

    private static readonly MailboxEntry s_aliceSent =
        MailboxEntry.Active("user.alice.Sent Items", "be1!default", MupdateAcl.Format(("alice", "lrswipkxtecda")));

    private static readonly MailboxEntry s_bob =
        MailboxEntry.Active("user.bob", "be2!p1", MupdateAcl.Format(("bob", "lrswipkxtecda"), ("group:staff", "lrs")));

    private static readonly MailboxEntry s_carolReserved = MailboxEntry.Reserved("user.carol", "be1!default");

    private static readonly MailboxEntry[] s_seed = [s_alice, s_aliceSent, s_bob, s_carolReserved];

    [Theory(Timeout = 60_000)]
    [InlineData("PLAIN")]
    [InlineData("SCRAM-SHA-1")]
    public Task MupdatetestFindsAndLists(string mechanism) => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await session.StartMasterAsync();
        await session.TimeAsync("seed 4 entries", () => master.SeedAsync(s_seed, cancellationToken));

        var transcript = await session.TimeAsync("mupdatetest", () => Mupdatetest.RunAsync(
            master.Host,
            master.Port,
            mechanism,
            master.AdminUser,
            master.AdminPassword,
            [
                "F1 FIND \"user.alice\"",
                "F2 FIND \"user.alice.Sent Items\"",
                "F3 FIND \"user.carol\"",
                "F4 FIND \"user.nosuch\"",
                "L1 LIST",
                "L2 LIST \"be2!\"",
            ],
            cancellationToken));
        session.AddDiagnostics("mupdatetest", transcript.Describe);

        Assert.True(
            transcript.Authenticated, $"mupdatetest did not log in with {mechanism}. Login reply: {transcript.LoginReply}");
        Assert.Equal(mechanism, transcript.Mechanism);
        Assert.StartsWith("A01 OK", transcript.LoginReply, StringComparison.Ordinal);
        Assert.Equal("OK", transcript.Completion("F1").Word);
        Assert.Equal("OK", transcript.Completion("F2").Word);
        Assert.Equal("OK", transcript.Completion("F3").Word);
        Assert.Equal("OK", transcript.Completion("F4").Word);
        Assert.Equal("OK", transcript.Completion("L1").Word);
        Assert.Equal("OK", transcript.Completion("L2").Word);

        Assert.Equal([s_alice], transcript.Entries("F1"));
        Assert.Equal([s_aliceSent], transcript.Entries("F2"));
        Assert.Equal([s_carolReserved], transcript.Entries("F3"));
        Assert.Empty(transcript.Entries("F4"));
        Assert.Equal(SortByName(s_seed), SortByName(transcript.Entries("L1")));
        Assert.Equal([s_bob], transcript.Entries("L2"));
    });

    [Fact(Timeout = 60_000)]
    public Task MupdatetestWrongPasswordFails() => InteropSession.RunAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        var master = await session.StartMasterAsync();
        await master.SeedAsync([s_alice], cancellationToken);

        var transcript = await session.TimeAsync("mupdatetest", () => Mupdatetest.RunAsync(
            master.Host,
            master.Port,
            "PLAIN",
            master.AdminUser,
            "not-the-password",
            ["F1 FIND \"user.alice\""],
            cancellationToken));
        session.AddDiagnostics("mupdatetest", transcript.Describe);

        // mupdatetest exits 0 either way and still sends the commands after a failed login.
        Assert.Equal(0, transcript.ExitCode);
        Assert.False(transcript.Authenticated);
        Assert.StartsWith("A01 NO", transcript.LoginReply, StringComparison.Ordinal);
        // Cyrus 3.6 refuses commands before login with BAD; RFC 3656 section 4 asks for NO, which ours sends.
        Assert.Equal(master is OurMaster ? "NO" : "BAD", transcript.Completion("F1").Word);
        Assert.Empty(transcript.Entries("F1"));
    });

    private static List<MailboxEntry> SortByName(IEnumerable<MailboxEntry> entries) =>
        [.. entries.OrderBy(entry => entry.Name, StringComparer.Ordinal)];
}
