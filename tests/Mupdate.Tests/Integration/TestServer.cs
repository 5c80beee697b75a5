using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Mupdate.Client;
using Mupdate.Sasl;
using Mupdate.Server;
using Mupdate.Store;

namespace Mupdate.Tests.Integration;

/// <summary>
/// An in-process MUPDATE master for integration tests: a <see cref="MupdateServer"/> on 127.0.0.1
/// with a free port, a <see cref="SqliteMailboxStore"/> in a private temporary directory and an
/// in-memory credential file with one admin and one user who is not an admin. Disposing it closes
/// every connection it handed out, stops the server, closes the store and deletes the directory.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    public const string ServerName = "mupdate.test";
    public const string AdminUser = "admin";

    /// <summary>Eleven characters, so "\0admin\0password123" is 18 bytes and 24 in base64.</summary>
    public const string AdminPassword = "password123";

    public const string PlainUser = "bob";
    public const string PlainUserPassword = "bob-secret";

    public static readonly TimeSpan DefaultFailedLoginPause = TimeSpan.FromMilliseconds(100);

    // PBKDF2 runs once per test run, with the minimum iteration count, to keep start-up fast.
    private static readonly Lazy<UserCredential[]> Credentials = new(() =>
    [
        UserCredential.Create(AdminUser, AdminPassword, ScramSecret.DefaultIterations),
        UserCredential.Create(PlainUser, PlainUserPassword, ScramSecret.DefaultIterations),
    ]);

    private readonly Func<ServerOptions, ServerOptions>? _configure;
    private readonly LoginPolicy _policy;
    private readonly ConcurrentBag<IAsyncDisposable> _connections = [];

    private TestServer(string directory, Func<ServerOptions, ServerOptions>? configure, LoginPolicy policy)
    {
        Directory = directory;
        _configure = configure;
        _policy = policy;
    }

    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "mupdate.sqlite3");

    public MupdateServer Server { get; private set; } = null!;

    public SqliteMailboxStore Store { get; private set; } = null!;

    public ServerOptions Options { get; private set; } = null!;

    public RecordingLoggerFactory Logs { get; private set; } = null!;

    public int Port => Server.LocalEndPoints[0].Port;

    /// <summary>
    /// Starts a server. <paramref name="configure"/> changes the test defaults (a short failed-login
    /// pause, a 10 s write timeout, a 2 s shutdown grace). The login policy takes
    /// <paramref name="allowPlaintext"/> and the optional <paramref name="mechanismList"/>
    /// (Cyrus's <c>sasl_mech_list</c>).
    /// </summary>
    public static async Task<TestServer> StartAsync(
        Func<ServerOptions, ServerOptions>? configure = null,
        bool allowPlaintext = true,
        IReadOnlyList<string>? mechanismList = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("mupdate-it-").FullName;
        var credentials = CredentialFile.CreateEmpty(Path.Combine(directory, "mupdate.passwd"));
        foreach (var credential in Credentials.Value)
        {
            credentials.Set(credential);
        }

        var admins = new HashSet<string>(StringComparer.Ordinal) { AdminUser };
        var policy = new LoginPolicy(credentials, admins, allowPlaintext, mechanismList);
        var server = new TestServer(directory, configure, policy);
        try
        {
            server.Open();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The base64 PLAIN message for <paramref name="user"/> (authzid, NUL, authcid, NUL, password).</summary>
    public static string PlainResponse(string user, string password, string authorizationId = "") =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authorizationId}\0{user}\0{password}"));

    /// <summary>Polls <paramref name="condition"/> every 20 ms and returns whether it held within <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    public async Task<RawConnection> ConnectRawAsync(int? receiveBufferSize = null, bool readBanner = true)
    {
        var connection = await RawConnection.ConnectAsync(Port, receiveBufferSize);
        _connections.Add(connection);
        if (readBanner)
        {
            await connection.ReadBannerAsync();
        }

        return connection;
    }

    /// <summary>Connects, reads the banner and logs in as the admin with PLAIN.</summary>
    public async Task<RawConnection> LoginRawAsync(int? receiveBufferSize = null)
    {
        var connection = await ConnectRawAsync(receiveBufferSize);
        await connection.LoginAsync();
        return connection;
    }

    /// <summary>
    /// Logs in, sends <c>U1 UPDATE</c> with the quoted <paramref name="hosts"/> and reads the dump up
    /// to its OK, which it checks. Returns the connection and the dump's MAILBOX and RESERVE lines.
    /// </summary>
    public async Task<(RawConnection Connection, IReadOnlyList<WireResponse> Dump)> StreamRawAsync(
        params string[] hosts)
    {
        var connection = await LoginRawAsync();
        var arguments = string.Concat(hosts.Select(host => $" \"{host}\""));
        await connection.SendAsync($"U1 UPDATE{arguments}\r\n");
        var responses = await connection.ReadUntilTaggedStatusAsync("U1");
        if (responses[^1].Text != "U1 OK \"streaming starts\"\r\n")
        {
            throw new InvalidOperationException($"UPDATE failed: {responses[^1].Text}");
        }

        return (connection, responses.Take(responses.Count - 1).ToArray());
    }

    public async Task<MupdateClient> ConnectClientAsync()
    {
        var options = new MupdateClientOptions
        {
            ConnectTimeout = RawConnection.DefaultTimeout,
            ResponseTimeout = RawConnection.DefaultTimeout,
        };
        var client = await MupdateClient.ConnectAsync("127.0.0.1", Port, options);
        _connections.Add(client);
        return client;
    }

    /// <summary>Connects and logs in as the admin, with the best mechanism or <paramref name="mechanism"/>.</summary>
    public async Task<MupdateClient> LoginClientAsync(string? mechanism = null)
    {
        var client = await ConnectClientAsync();
        await client.AuthenticateAsync(AdminUser, AdminPassword, mechanism: mechanism);
        return client;
    }

    /// <summary>
    /// Stops the server and closes the store, then opens both again on the same directory. The
    /// new listener has a new port, and the stop closes every connection made before.
    /// </summary>
    public async Task RestartAsync()
    {
        await CloseAsync();
        Open();
    }

    /// <summary>Stops the server and closes the store, leaving the directory for a later <see cref="RestartAsync"/>.</summary>
    public async Task CloseAsync()
    {
        if (Server is { } server)
        {
            await server.DisposeAsync();
        }

        if (Store is { } store)
        {
            await store.DisposeAsync();
        }

        Server = null!;
        Store = null!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        await CloseAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void Open()
    {
        var defaults = new ServerOptions
        {
            ServerName = ServerName,
            Listen = [new IPEndPoint(IPAddress.Loopback, 0)],
            FailedLoginPause = DefaultFailedLoginPause,
            WriteTimeout = TimeSpan.FromSeconds(10),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        };
        Options = _configure is null ? defaults : _configure(defaults);
        Logs = new RecordingLoggerFactory();
        Store = SqliteMailboxStore.Open(DatabasePath);
        Server = new MupdateServer(Options, Store, _policy, Logs);
        Server.Start();
    }
}
