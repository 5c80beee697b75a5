using System.Collections.Concurrent;
using System.Net;
using Mupdate.Client;
using Mupdate.Replication;
using Mupdate.Sasl;
using Mupdate.Server;
using Mupdate.Store;
using Mupdate.Tests.Integration;

namespace Mupdate.Tests.Replication;

/// <summary>
/// A slave under test: a <see cref="SqliteMailboxStore"/> in a private temporary directory, a
/// <see cref="Replicator"/> linked to a <see cref="FakeMaster"/>, and a read-only
/// <see cref="MupdateServer"/> on 127.0.0.1 that serves the store with the replicator as its replica
/// status and kick target. The server reaches the replicator through this harness, so a test can
/// replace the replicator with other options and keep the server. Disposing it stops everything and
/// deletes the directory.
/// </summary>
internal sealed class SlaveHarness : IReplicaStatus, IKickTarget, IAsyncDisposable
{
    public const string ServerName = "slave.test";

    /// <summary>Short timings, so a drop and a reconnect take a few seconds.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MasterTimeout = TimeSpan.FromSeconds(2);

    private static readonly Lazy<UserCredential> Admin = new(() =>
        UserCredential.Create(TestServer.AdminUser, TestServer.AdminPassword, ScramSecret.DefaultIterations));

    private readonly FakeMaster _master;
    private readonly ConcurrentBag<IAsyncDisposable> _connections = [];
    private volatile Replicator _replicator = null!;

    private SlaveHarness(FakeMaster master, string directory)
    {
        _master = master;
        Directory = directory;
        Store = SqliteMailboxStore.Open(Path.Combine(directory, "mupdate.sqlite3"));
    }

    public string Directory { get; }

    public SqliteMailboxStore Store { get; }

    public Replicator Replicator => _replicator;

    public MupdateServer Server { get; private set; } = null!;

    public RecordingLoggerFactory Logs { get; } = new();

    public int Port => Server.LocalEndPoints[0].Port;

    /// <summary>The address in the slave's banner: the fake master's host and port.</summary>
    public string MasterAddress => "127.0.0.1:" + _master.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public bool IsSynchronized => _replicator.IsSynchronized;

    public Task FirstSync => _replicator.FirstSync;

    /// <summary>
    /// Opens the store, runs <paramref name="seed"/> on it, then starts the server and the replicator.
    /// <paramref name="configure"/> changes the replica options (1 s retry delay, 2 s master timeout).
    /// </summary>
    public static async Task<SlaveHarness> StartAsync(
        FakeMaster master,
        Func<ReplicaOptions, ReplicaOptions>? configure = null,
        Func<SqliteMailboxStore, Task>? seed = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("mupdate-slave-").FullName;
        var harness = new SlaveHarness(master, directory);
        try
        {
            if (seed is not null)
            {
                await seed(harness.Store);
            }

            harness._replicator = harness.CreateReplicator(configure);
            harness.StartServer();
            harness._replicator.Start();
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public Task<bool> KickAsync(CancellationToken cancellationToken) => _replicator.KickAsync(cancellationToken);

    /// <summary>Stops the replicator and starts a new one with <paramref name="configure"/> applied.</summary>
    public async Task ReplaceReplicatorAsync(Func<ReplicaOptions, ReplicaOptions>? configure)
    {
        await _replicator.DisposeAsync();
        _replicator = CreateReplicator(configure);
        _replicator.Start();
    }

    /// <summary>Connects to the slave's server and reads the banner.</summary>
    public async Task<RawConnection> ConnectRawAsync()
    {
        var connection = await RawConnection.ConnectAsync(Port);
        _connections.Add(connection);
        await connection.ReadBannerAsync();
        return connection;
    }

    /// <summary>Connects to the slave's server and logs in as the admin.</summary>
    public async Task<MupdateClient> LoginClientAsync()
    {
        var options = new MupdateClientOptions
        {
            ConnectTimeout = RawConnection.DefaultTimeout,
            ResponseTimeout = RawConnection.DefaultTimeout,
        };
        var client = await MupdateClient.ConnectAsync("127.0.0.1", Port, options);
        _connections.Add(client);
        await client.AuthenticateAsync(TestServer.AdminUser, TestServer.AdminPassword);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        if (_replicator is { } replicator)
        {
            await replicator.DisposeAsync();
        }

        if (Server is { } server)
        {
            await server.DisposeAsync();
        }

        await Store.DisposeAsync();
        Logs.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private Replicator CreateReplicator(Func<ReplicaOptions, ReplicaOptions>? configure)
    {
        var defaults = new ReplicaOptions
        {
            Host = "127.0.0.1",
            Port = _master.Port,
            AuthenticationId = "mupdate",
            Password = "master-secret",
            RetryDelay = RetryDelay,
            MasterTimeout = MasterTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        var options = configure is null ? defaults : configure(defaults);
        return new Replicator(options, Store, Logs.CreateLogger("Mupdate.Replication"));
    }

    private void StartServer()
    {
        var credentials = CredentialFile.CreateEmpty(Path.Combine(Directory, "mupdate.passwd"));
        credentials.Set(Admin.Value);
        var admins = new HashSet<string>(StringComparer.Ordinal) { TestServer.AdminUser };
        var policy = new LoginPolicy(credentials, admins, allowPlaintext: true);
        var options = new ServerOptions
        {
            ServerName = ServerName,
            MasterAddress = MasterAddress,
            Listen = [new IPEndPoint(IPAddress.Loopback, 0)],
            FailedLoginPause = TestServer.DefaultFailedLoginPause,
            WriteTimeout = TimeSpan.FromSeconds(10),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        };
        Server = new MupdateServer(options, Store, policy, Logs, replica: this, kick: this);
        Server.Start();
    }
}
