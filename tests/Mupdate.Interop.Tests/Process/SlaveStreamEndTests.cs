using System.Net;
using System.Net.Sockets;
using System.Text;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// Our slave against a scripted master on 127.0.0.1 that sends its last changes and the end of the
/// stream in one write, as a master that shuts down or dies right after a change may do.
/// </summary>
public sealed class SlaveStreamEndTests
{
    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public Task SlaveKeepsChangesBeforeStreamEnd(bool endWithBye) => InteropSession.RunWithoutCyrusAsync(async session =>
    {
        var cancellationToken = session.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var masterPort = ((IPEndPoint)listener.LocalEndpoint).Port;

        // The reconnect delay outlasts the test, so only the first link can deliver the changes.
        var slave = await session.CreateServerAsync(new ServerProcessOptions
        {
            ServerName = "mupdate-slave.test",
            ExtraConfig = new Dictionary<string, string>
            {
                ["mupdate_server"] = $"{LoopbackPorts.Host}:{masterPort}/noauth",
                ["mupdate_retry_delay"] = "60",
            },
        });
        await session.TimeAsync("start slave", () => slave.StartAsync(cancellationToken, []));
        var slaveRun = slave.Process!;

        using var link = await listener.AcceptTcpClientAsync(cancellationToken);
        listener.Stop();
        var stream = link.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        await SendAsync(stream, "* AUTH \"PLAIN\"\r\n* OK MUPDATE \"fake-master.test\" \"script\" \"1\" \"(master)\"\r\n");
        var update = await reader.ReadLineAsync(cancellationToken);
        Assert.NotNull(update);
        var words = update.Split(' ');
        Assert.Equal("UPDATE", words[1]);
        var tag = words[0];
        await SendAsync(
            stream,
            $"{tag} MAILBOX \"user.dumped\" \"be1!p1\" \"dumped\tlrs\t\"\r\n"
            + $"{tag} MAILBOX \"user.kept\" \"be1!p1\" \"kept\tlrs\t\"\r\n{tag} OK \"Streaming starts\"\r\n");

        await using var client = await MupdateLogin.ConnectAsync(
            slave.Host, slave.Port, slave.AdminUser, slave.AdminPassword, cancellationToken);
        await session.TimeAsync("wait for the first sync", () => Poll.UntilAsync(
            () => IsSynchronizedAsync(client, cancellationToken),
            "the slave answers FIND after its first resync",
            TimeSpan.FromSeconds(20),
            cancellationToken));

        // One write, so that the changes and the end of the stream reach the slave in one read.
        var end = endWithBye ? "* BYE \"Shutting down\"\r\n" : "";
        await SendAsync(
            stream,
            $"{tag} MAILBOX \"user.streamed\" \"be2!p2\" \"streamed\tlrs\t\"\r\n{tag} DELETE \"user.dumped\"\r\n{end}");
        link.Close();
        await session.TimeAsync("wait for the lost link", () => Poll.UntilAsync(
            () => slaveRun.Output.Contains("Link to the master ", StringComparison.Ordinal),
            "the slave logs that the link to the master failed",
            TimeSpan.FromSeconds(10),
            cancellationToken));

        Assert.Equal(
            MailboxEntry.Active("user.streamed", "be2!p2", MupdateAcl.Format(("streamed", "lrs"))),
            await FindAsync(client, "user.streamed", cancellationToken));
        Assert.Null(await FindAsync(client, "user.dumped", cancellationToken));
        Assert.Equal(
            MailboxEntry.Active("user.kept", "be1!p1", MupdateAcl.Format(("kept", "lrs"))),
            await FindAsync(client, "user.kept", cancellationToken));
    });

    private static async Task SendAsync(NetworkStream stream, string text) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text));

    private static async Task<bool> IsSynchronizedAsync(MupdateClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.FindAsync("user.kept", cancellationToken) is not null;
        }
        catch (MupdateCommandException ex) when (ex.Status == "NO")
        {
            return false;
        }
    }

    private static async Task<MailboxEntry?> FindAsync(
        MupdateClient client, string name, CancellationToken cancellationToken) =>
        await client.FindAsync(name, cancellationToken) is { } record ? MailboxEntry.FromRecord(record) : null;
}
