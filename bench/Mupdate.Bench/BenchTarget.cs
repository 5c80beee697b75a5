using System.Net;
using Mupdate.Client;
using Mupdate.Sasl;
using Mupdate.Server;
using Mupdate.Store;

namespace Mupdate.Bench;

/// <summary>The master under measurement: an external one, or ours started in this process.</summary>
internal sealed class BenchTarget : IAsyncDisposable
{
    private readonly BenchOptions _options;
    private readonly MupdateServer? _server;
    private readonly SqliteMailboxStore? _store;

    private BenchTarget(BenchOptions options, string host, int port, string description, MupdateServer? server, SqliteMailboxStore? store)
    {
        _options = options;
        Host = host;
        Port = port;
        Description = description;
        _server = server;
        _store = store;
    }

    public string Host { get; }

    public int Port { get; }

    public string Description { get; }

    public static async Task<BenchTarget> StartAsync(BenchOptions options)
    {
        if (options.SelfDirectory is not { } directory)
        {
            await using var probe = await MupdateClient.ConnectAsync(options.Host, options.Port);
            var banner = probe.Banner;
            return new BenchTarget(options, options.Host, options.Port,
                $"{options.Host}:{options.Port} ({banner.Implementation} {banner.Version})", null, null);
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        var credentials = CredentialFile.CreateEmpty(Path.Combine(directory, "mupdate.credentials"));
        credentials.Set(UserCredential.Create(options.User, options.Password));
        credentials.Save();
        var store = SqliteMailboxStore.Open(Path.Combine(directory, "mupdate.sqlite3"));
        var policy = new LoginPolicy(credentials, new HashSet<string> { options.User }, allowPlaintext: true);
        var server = new MupdateServer(
            new ServerOptions
            {
                ServerName = "bench.test",
                Listen = [new IPEndPoint(IPAddress.Loopback, 0)],
                ConnectionsMax = 1024,
                FailedLoginPause = TimeSpan.Zero,
            },
            store,
            policy);
        server.Start();
        var port = server.LocalEndPoints[0].Port;
        return new BenchTarget(options, "127.0.0.1", port, $"our master in process, database in {directory}", server, store);
    }

    public async Task<MupdateClient> ConnectAsync()
    {
        var client = await MupdateClient.ConnectAsync(Host, Port);
        await client.AuthenticateAsync(_options.User, _options.Password, mechanism: "PLAIN");
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }
}
