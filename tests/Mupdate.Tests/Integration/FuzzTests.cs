using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>
/// Random bytes, mutated and truncated commands against a live server. The server may respond to them
/// in any way, including BYE, but no session may fail internally or hang, and the server must go on
/// serving normal clients afterwards.
/// </summary>
public sealed class FuzzTests
{
    private const int Inputs = 8000;
    private const int Workers = 8;
    private const int InputsPerConnection = 40;

    private static readonly string AdminPlain = TestServer.PlainResponse(TestServer.AdminUser, TestServer.AdminPassword);

    private static readonly string[] ValidCommands =
    [
        $"A AUTHENTICATE \"PLAIN\" \"{AdminPlain}\"\r\n",
        $"A AUTHENTICATE \"PLAIN\" {{24+}}\r\n{AdminPlain}\r\n",
        "A AUTHENTICATE \"PLAIN\"\r\n" + AdminPlain + "\r\n",
        "A AUTHENTICATE \"SCRAM-SHA-256\" \"" + Convert.ToBase64String("n,,n=admin,r=abcdefgh"u8) + "\"\r\n*\r\n",
        "A AUTHENTICATE \"SCRAM-SHA-1\"\r\n" + Convert.ToBase64String("n,a=x,n=admin,r=0123"u8) + "\r\n",
        "A ACTIVATE \"user.f\" \"be1!p\" \"f\tlrs\t\"\r\n",
        "A ACTIVATE {6+}\r\nuser.g \"be1!p\" {0+}\r\n\r\n",
        "A ACTIVATE {6}\r\nuser.h \"be2!p\" \"\"\r\n",
        "A RESERVE \"user.r\" \"be2!p\"\r\n",
        "A DEACTIVATE \"user.f\" \"be1!p\"\r\n",
        "A DELETE \"user.r\"\r\n",
        "A FIND \"user.f\"\r\n",
        "A FIND \"us\\\"er\\\\\"\r\n",
        "A LIST \"be1\"\r\n",
        "A LIST\r\n",
        "A UPDATE \"be1\" \"be2\"\r\n",
        "A UPDATE\r\n",
        "A NOOP\r\n",
        "A LOGOUT\r\n",
    ];

    [Fact(Timeout = 60_000)]
    public async Task RandomInputNeverBreaksServer()
    {
        await using var server = await TestServer.StartAsync(o => o with { FailedLoginPause = TimeSpan.FromMilliseconds(1) });
        await server.Store.WriteAsync(WriteRequest.Activate("user.f", "be1!p", ""));
        var random = new Random(3656);
        var inputs = new ConcurrentQueue<byte[]>(Enumerable.Range(0, Inputs).Select(_ => NextInput(random)));

        var sent = await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => RunWorkerAsync(server.Port, w, inputs))));
        await TestServer.WaitUntilAsync(() => server.Server.SessionCount == 0, TimeSpan.FromSeconds(10));
        var leftOpen = server.Server.SessionCount;
        await using var client = await server.LoginClientAsync();
        await client.ActivateAsync("user.after.fuzz", "be3!p", "x\tlrs\t");
        var found = await client.FindAsync("user.after.fuzz");

        Assert.Equal(Inputs, sent.Sum());
        Assert.Equal(0, leftOpen);
        Assert.Equal(MailboxRecord.Active("user.after.fuzz", "be3!p", "x\tlrs\t"), found);
        Assert.Empty(server.Logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.EventId} {e.Message} {e.Exception}"));
    }

    [Fact(Timeout = 30_000)]
    public async Task EveryPrefixOfValidCommandsIsSafe()
    {
        await using var server = await TestServer.StartAsync(o => o with { FailedLoginPause = TimeSpan.FromMilliseconds(1) });
        var prefixes = ValidCommands
            .Select(Encoding.UTF8.GetBytes)
            .SelectMany(command => Enumerable.Range(1, command.Length - 1).Select(length => command[..length]))
            .ToArray();

        foreach (var batch in prefixes.Chunk(Workers * 4))
        {
            await Task.WhenAll(batch.Select(async prefix =>
            {
                // Each prefix on a fresh connection, logged in so that every command is reachable.
                using var socket = await ConnectAsync(server.Port);
                await SendAsync(socket, Encoding.ASCII.GetBytes($"L AUTHENTICATE \"PLAIN\" \"{AdminPlain}\"\r\n"));
                await SendAsync(socket, prefix);
                socket.Shutdown(SocketShutdown.Send);
                await DrainAsync(socket);
            }));
        }

        await using var client = await server.LoginClientAsync();
        await client.NoopAsync();

        Assert.True(prefixes.Length > 500, $"only {prefixes.Length} prefixes");
        Assert.Empty(server.Logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.EventId} {e.Message} {e.Exception}"));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Message.Contains("internal error", StringComparison.Ordinal));
    }

    private static byte[] NextInput(Random random)
    {
        switch (random.Next(6))
        {
            case 0:
                return RandomBytes(random, random.Next(1, 300));
            case 1:
                // Printable text with line ends, quotes, braces and backslashes, which steer the parser.
                const string alphabet = "AZaz09 .!\"\\{}+*=\r\n\t";
                var text = Enumerable.Range(0, random.Next(1, 120)).Select(_ => alphabet[random.Next(alphabet.Length)]);
                return Encoding.ASCII.GetBytes(text.ToArray());
            case 2:
                var command = Encoding.UTF8.GetBytes(ValidCommands[random.Next(ValidCommands.Length)]);
                return command[..random.Next(1, command.Length)];
            case 3:
                var mutated = Encoding.UTF8.GetBytes(ValidCommands[random.Next(ValidCommands.Length)]);
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }

                return mutated;
            case 4:
                // Literal headers with random sizes, some of them huge, followed by a little data.
                var size = random.Next(4) == 0 ? random.NextInt64(uint.MaxValue * 4L) : random.Next(0, 300);
                var plus = random.Next(2) == 0 ? "+" : "";
                return Encoding.ASCII.GetBytes($"X FIND {{{size}{plus}}}\r\n").Concat(RandomBytes(random, random.Next(0, 64))).ToArray();
            default:
                return Encoding.UTF8.GetBytes(ValidCommands[random.Next(ValidCommands.Length)]);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// Sends inputs from the shared queue, reconnecting when the server closes the connection and
    /// every few inputs. Odd workers log in first. Returns how many inputs it took.
    /// </summary>
    private static async Task<int> RunWorkerAsync(int port, int worker, ConcurrentQueue<byte[]> inputs)
    {
        var taken = 0;
        while (!inputs.IsEmpty)
        {
            using var socket = await ConnectAsync(port);
            var drain = DrainAsync(socket);
            if (worker % 2 == 1)
            {
                await SendAsync(socket, Encoding.ASCII.GetBytes($"L AUTHENTICATE \"PLAIN\" \"{AdminPlain}\"\r\n"));
            }

            for (var i = 0; i < InputsPerConnection && !drain.IsCompleted && inputs.TryDequeue(out var input); i++)
            {
                taken++;
                if (!await SendAsync(socket, input))
                {
                    break;
                }
            }

            socket.Shutdown(SocketShutdown.Send);
            await drain;
        }

        return taken;
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(RawConnection.DefaultTimeout);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        return socket;
    }

    /// <summary>Sends <paramref name="data"/>; returns false when the server already closed the connection.</summary>
    private static async Task<bool> SendAsync(Socket socket, byte[] data)
    {
        using var timeout = new CancellationTokenSource(RawConnection.DefaultTimeout);
        try
        {
            await socket.SendAsync(data, SocketFlags.None, timeout.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Reads and drops everything the server sends until it closes the connection, within 10 s.</summary>
    private static async Task DrainAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The server closed with input still unread, which resets the connection.
        }
    }
}
