using System.Net;
using Mupdate.Protocol;

namespace Mupdate.Server;

/// <summary>Everything the listener and its sessions need, already validated.</summary>
public sealed record ServerOptions
{
    /// <summary>The host name in the banner (Cyrus's <c>servername</c>).</summary>
    public required string ServerName { get; init; }

    /// <summary>
    /// The banner's role field: null for a master, which sends <c>"(master)"</c>, or the master's
    /// address for a slave, which sends <c>"mupdate://&lt;address&gt;"</c>.
    /// </summary>
    public string? MasterAddress { get; init; }

    public bool ReadOnly => MasterAddress is not null;

    public IReadOnlyList<IPEndPoint> Listen { get; init; } = [new IPEndPoint(IPAddress.IPv6Any, 3905)];

    /// <summary>
    /// Listening sockets made by someone else (Cyrus's master(8)), served as well as <see cref="Listen"/>.
    /// The server disposes them when it stops.
    /// </summary>
    public IReadOnlyList<System.Net.Sockets.Socket> InheritedListeners { get; init; } = [];

    /// <summary>Called after each accepted connection, before its session starts; master(8) counts them.</summary>
    public Action? ConnectionAccepted { get; init; }

    /// <summary>Connections served at once; one more gets <c>* BYE "Server Unable"</c>.</summary>
    public int ConnectionsMax { get; init; } = 128;

    public ProtocolLimits Limits { get; init; } = ProtocolLimits.Default;

    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan FailedLoginPause { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Longest a LIST or UPDATE dump may take. A dump reads one database snapshot, and SQLite cannot
    /// recycle its write-ahead log while a snapshot is open, so a client that reads a dump very
    /// slowly is disconnected rather than allowed to grow the log without end.
    /// </summary>
    public TimeSpan DumpTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Changes queued for one UPDATE stream before that client is disconnected.</summary>
    public int StreamQueueMax { get; init; } = 100_000;

    /// <summary>Bytes of changes (names, locations and ACLs) queued for one UPDATE stream before that client is disconnected.</summary>
    public long StreamBufferMax { get; init; } = 32 * 1024 * 1024;

    /// <summary>How long shutdown waits for sessions to say BYE before their sockets are closed.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(5);

    public string ImplementationName { get; init; } = "mupdate-dotnet";

    public string ImplementationVersion { get; init; } =
        typeof(ServerOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
