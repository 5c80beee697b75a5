using Microsoft.Extensions.Logging;
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

    public TimeProvider Time { get; } = timeProvider;

    public ILogger ConnectionLogger { get; } = loggerFactory.CreateLogger("Mupdate.Connection");

    public ILogger AuthLogger { get; } = loggerFactory.CreateLogger("Mupdate.Authentication");

    public ILogger CommandLogger { get; } = loggerFactory.CreateLogger("Mupdate.Commands");

    public ILogger StreamLogger { get; } = loggerFactory.CreateLogger("Mupdate.Streaming");

    public ILogger ServerLogger { get; } = loggerFactory.CreateLogger("Mupdate.Server");
}
