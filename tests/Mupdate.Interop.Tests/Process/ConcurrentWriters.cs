using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// <see cref="MupdateSeeder.Connections"/> admin connections that write random names of their own
/// (<c>user.race{writer}.m{index}</c>, absent at the start) one command at a time until stopped,
/// and the state that each name's acknowledged writes leave.
/// </summary>
public sealed class ConcurrentWriters(MupdateServerProcess server, int seed)
{
    private const int NamesPerWriter = 25;

    private readonly ConcurrentQueue<string> _failures = new();
    private readonly List<NameHistory[]> _names = [.. Enumerable.Range(0, MupdateSeeder.Connections)
        .Select(writer => Enumerable.Range(0, NamesPerWriter)
            .Select(index => new NameHistory(string.Create(CultureInfo.InvariantCulture, $"user.race{writer}.m{index}")))
            .ToArray())];

    private volatile bool _stopping;
    private int _acknowledged;
    private long _sequence;

    public int Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>Writes that got NO or BAD, and connections that were lost. The writes are built to get none.</summary>
    public IReadOnlyList<string> Failures => [.. _failures];

    /// <summary>Logs in every connection and writes until <see cref="Stop"/>, then returns when every writer ended.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var clients = new List<MupdateClient>();
        try
        {
            foreach (var _ in _names)
            {
                clients.Add(await MupdateLogin.ConnectAsync(
                    server.Host, server.Port, server.AdminUser, server.AdminPassword, cancellationToken));
            }

            var random = new Random(seed);
            await Task.WhenAll(clients.Select((client, writer) =>
            {
                var writerRandom = new Random(random.Next());
                return Task.Run(() => WriteAsync(client, _names[writer], writerRandom, cancellationToken), cancellationToken);
            }));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Makes every writer stop after the command it is sending.</summary>
    public void Stop() => _stopping = true;

    /// <summary>Returns each name with the state its acknowledged writes leave, null for absent.</summary>
    public IEnumerable<(string Name, MailboxEntry? Entry)> States() =>
        _names.SelectMany(names => names).Select(history => (history.Name, history.Expected));

    public string Describe() =>
        $"{Acknowledged} acknowledged writes; failures:\n" + string.Join('\n', _failures.Take(10));

    private async Task WriteAsync(
        MupdateClient client, NameHistory[] names, Random random, CancellationToken cancellationToken)
    {
        while (!_stopping)
        {
            var history = names[random.Next(names.Length)];
            var write = MailboxWrite.Choose(random, history.Name, history.Expected, Interlocked.Increment(ref _sequence));
            try
            {
                await write.SendAsync(client, cancellationToken);
            }
            catch (MupdateCommandException ex) when (ex.Status != "BYE")
            {
                _failures.Enqueue($"{write} => {ex.Status} \"{ex.Text}\" ({history.Describe()})");
                continue;
            }
            catch (Exception ex)
                when (ex is IOException or SocketException or MupdateProtocolException or MupdateCommandException
                    or ObjectDisposedException)
            {
                _failures.Enqueue($"{write}: the connection was lost: {ex.Message}");
                return;
            }

            history.Acknowledge(write);
            Interlocked.Increment(ref _acknowledged);
        }
    }
}
