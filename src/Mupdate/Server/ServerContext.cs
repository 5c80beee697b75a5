using Microsoft.Extensions.Logging;
using Mupdate.Replication;
using Mupdate.Store;

namespace Mupdate.Server;

/// <summary>What every session of one server shares.</summary>
internal sealed class ServerContext(
    ServerOptions options,
    IMailboxStore store,
    LoginPolicy loginPolicy,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider)
{
    public ServerOptions Options { get; } = options;

    public IMailboxStore Store { get; } = store;

    public LoginPolicy LoginPolicy { get; } = loginPolicy;

    /// <summary>A slave's replica state; null on a master, whose store is always authoritative.</summary>
    public IReplicaStatus? Replica { get; init; }

    /// <summary>What a NOOP on an UPDATE stream waits for: a slave's round trip to its master.</summary>
    public IKickTarget Kick { get; init; } = ImmediateKickTarget.Instance;

    public TimeProvider Time { get; } = timeProvider;

    public ILogger ConnectionLogger { get; } = loggerFactory.CreateLogger("Mupdate.Connection");

    public ILogger AuthLogger { get; } = loggerFactory.CreateLogger("Mupdate.Authentication");

    public ILogger CommandLogger { get; } = loggerFactory.CreateLogger("Mupdate.Commands");

    public ILogger StreamLogger { get; } = loggerFactory.CreateLogger("Mupdate.Streaming");

    public ILogger ServerLogger { get; } = loggerFactory.CreateLogger("Mupdate.Server");
}
