using System.Net.Sockets;
using System.Text;

namespace Mupdate.Interop.Tests.Harness.Wire;

/// <summary>
/// A minimal MUPDATE client for seeding and querying masters in the interop tests: PLAIN login,
/// single and pipelined commands, FIND and LIST. It is test-only: a real client library in src/Mupdate
/// replaces it.
/// </summary>
public sealed class TestMupdateClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly MupdateResponseReader _reader;
    private int _nextTag;

    private TestMupdateClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new MupdateResponseReader(_stream);
    }

    /// <summary>Maximum wait for any one response.</summary>
    public static TimeSpan ResponseTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The untagged lines up to and including <c>* OK</c>.</summary>
    public IReadOnlyList<MupdateResponse> Banner { get; private set; } = [];

    /// <summary>The mechanisms of the <c>* AUTH</c> banner line.</summary>
    public IReadOnlyList<string> AuthMechanisms =>
        Banner.FirstOrDefault(line => line.Keyword == "AUTH")?.Arguments ?? [];

    /// <summary>Connects and reads the banner up to the <c>* OK</c> line.</summary>
    public static async Task<TestMupdateClient> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            var client = new TestMupdateClient(tcp);
            var banner = new List<MupdateResponse>();
            while (true)
            {
                var line = await client.ReadResponseAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new IOException(
                        $"{host}:{port} closed the connection during the banner: {string.Join(" | ", banner)}");
                banner.Add(line);
                if (line.Tag == "*" && line.Keyword is "OK" or "BYE")
                {
                    break;
                }
            }

            client.Banner = banner;
            if (banner[^1].Keyword != "OK")
            {
                throw new IOException($"{host}:{port} refused the connection: {banner[^1]}");
            }

            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Connects and logs in with PLAIN (empty authorization id) and throws unless the login succeeds.</summary>
    public static async Task<TestMupdateClient> ConnectAndLoginAsync(
        string host, int port, string user, string password, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        try
        {
            await client.LoginPlainAsync(user, password, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Sends <c>A01 AUTHENTICATE "PLAIN"</c> with the initial response as a literal and waits for
    /// the completion. Nothing may be pipelined behind it: Cyrus 3.6 drops such input.
    /// </summary>
    public async Task LoginPlainAsync(string user, string password, CancellationToken cancellationToken)
    {
        var initial = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        var command = new MupdateCommand("A01", $"A01 AUTHENTICATE \"PLAIN\" {{{initial.Length}+}}\r\n{initial}\r\n");
        var result = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.IsOk)
        {
            throw new InvalidOperationException($"PLAIN login as {user} failed: {result.Completion}");
        }
    }

    public string NextTag() => "T" + Interlocked.Increment(ref _nextTag);

    public async Task<MupdateCommandResult> ExecuteAsync(MupdateCommand command, CancellationToken cancellationToken)
    {
        await WriteAsync(command.Wire, cancellationToken).ConfigureAwait(false);
        return await ReadResultAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends all <paramref name="commands"/> without waiting (a writer task) while reading their
    /// results in order, so thousands of commands cost one round trip, not thousands.
    /// </summary>
    public async Task<IReadOnlyList<MupdateCommandResult>> ExecutePipelinedAsync(
        IReadOnlyList<MupdateCommand> commands, CancellationToken cancellationToken)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(
            async () =>
            {
                var batch = new StringBuilder();
                foreach (var command in commands)
                {
                    batch.Append(command.Wire);
                    if (batch.Length >= 32 * 1024)
                    {
                        await WriteAsync(batch.ToString(), abort.Token).ConfigureAwait(false);
                        batch.Clear();
                    }
                }

                await WriteAsync(batch.ToString(), abort.Token).ConfigureAwait(false);
            },
            abort.Token);

        var results = new List<MupdateCommandResult>(commands.Count);
        try
        {
            foreach (var command in commands)
            {
                results.Add(await ReadResultAsync(command, abort.Token).ConfigureAwait(false));
            }
        }
        catch
        {
            await abort.CancelAsync().ConfigureAwait(false);
            throw;
        }

        await writer.ConfigureAwait(false);
        return results;
    }

    public async Task<IReadOnlyList<MailboxEntry>> ListAsync(string? locationPrefix, CancellationToken cancellationToken)
    {
        var tag = NextTag();
        var command = locationPrefix is null
            ? new MupdateCommand(tag, $"{tag} LIST\r\n")
            : MupdateCommand.Create(tag, "LIST", locationPrefix);
        return RequireOk(await ExecuteAsync(command, cancellationToken).ConfigureAwait(false)).Entries;
    }

    /// <summary>Returns the entry FIND reports for <paramref name="name"/>, or null when there is none.</summary>
    public async Task<MailboxEntry?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var result = RequireOk(await ExecuteAsync(MupdateCommand.Create(NextTag(), "FIND", name), cancellationToken)
            .ConfigureAwait(false));
        return result.Entries.Count switch
        {
            0 => null,
            1 => result.Entries[0],
            _ => throw new InvalidDataException($"FIND {name} returned {result.Entries.Count} entries: {result}"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await WriteAsync("Q01 LOGOUT\r\n", quick.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer may already have closed the connection, and logging out is only a courtesy.
        }

        _tcp.Dispose();
    }

    private static MupdateCommandResult RequireOk(MupdateCommandResult result) =>
        result.IsOk ? result : throw new InvalidOperationException($"command failed: {result}");

    private async Task<MupdateCommandResult> ReadResultAsync(MupdateCommand command, CancellationToken cancellationToken)
    {
        var data = new List<MupdateResponse>();
        while (true)
        {
            var response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"connection closed while waiting for {command.Tag}; data so far: {data.Count}");
            if (response.IsCompletion)
            {
                if (response.Tag != command.Tag)
                {
                    throw new InvalidDataException($"expected the completion of {command.Tag}, got {response}");
                }

                return new MupdateCommandResult(command, data, response);
            }

            data.Add(response);
        }
    }

    private async Task<MupdateResponse?> ReadResponseAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResponseTimeout);
        try
        {
            return await _reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no response within {ResponseTimeout.TotalSeconds:F0} s");
        }
    }

    private async Task WriteAsync(string text, CancellationToken cancellationToken) =>
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
}
