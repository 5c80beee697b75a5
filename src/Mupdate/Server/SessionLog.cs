using System.Net;
using Microsoft.Extensions.Logging;
using Mupdate.Protocol;

namespace Mupdate.Server;

// Each wrapper below cleans client text only after its IsEnabled check, which this analyzer does not see.
#pragma warning disable CA1873

/// <summary>
/// The server's log events. Ids: 1xxx server and listeners, 2xxx connections, 3xxx authentication,
/// 4xxx commands, 41xx UPDATE streams. No event carries a password or SASL data, and text from
/// clients goes through <see cref="LogText.Clean"/> first.
/// </summary>
internal static partial class SessionLog
{
    private static readonly Func<ILogger, long, IDisposable?> ConnectionScopeFormat =
        LoggerMessage.DefineScope<long>("connection {ConnectionId}");

    public static IDisposable? ConnectionScope(ILogger logger, long id) => ConnectionScopeFormat(logger, id);

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Stopped listening; closing {Count} sessions")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "{Count} sessions did not close within {Seconds} s; their sockets were closed")]
    public static partial void Aborted(ILogger logger, int count, double seconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Accepting on {EndPoint} failed; retrying in 1 s")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, EndPoint endPoint);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Connection {Id} from {Remote}")]
    public static partial void Accepted(ILogger logger, long id, EndPoint? remote);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Connection {Id} of user {User} closed: {Reason}")]
    private static partial void LogClosed(ILogger logger, long id, string user, string reason);

    public static void Closed(ILogger logger, long id, string? user, string reason)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogClosed(logger, id, user is null ? "(not logged in)" : LogText.Clean(user), reason);
        }
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Connection from {Remote} refused: {Count} connections open, the maximum (mupdate_connections_max)")]
    public static partial void OverLimit(ILogger logger, EndPoint? remote, int count);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Connection {Id}: protocol error, closing: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, long id, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Connection {Id} failed with an internal error")]
    public static partial void Failed(ILogger logger, Exception exception, long id);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Connection {Id}: {AuthenticationId} logged in as {User} with {Mechanism}")]
    private static partial void LogLoginSucceeded(ILogger logger, long id, string authenticationId, string user, string mechanism);

    public static void LoginSucceeded(ILogger logger, long id, string authenticationId, string user, string mechanism)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogLoginSucceeded(logger, id, LogText.Clean(authenticationId), LogText.Clean(user), LogText.Clean(mechanism));
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Connection {Id}: login of {User} with {Mechanism} failed: {Reason}")]
    private static partial void LogLoginFailed(ILogger logger, long id, string user, string mechanism, string reason);

    public static void LoginFailed(ILogger logger, long id, string? user, string mechanism, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            LogLoginFailed(logger, id, user is null ? "an unidentified user" : LogText.Clean(user), LogText.Clean(mechanism), LogText.Clean(reason));
        }
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Connection {Id}: {Command} tagged {Tag} rejected: {Reason}")]
    private static partial void LogCommandRejected(ILogger logger, long id, string tag, CommandKind? command, string reason);

    public static void CommandRejected(ILogger logger, long id, string? tag, CommandKind? command, string reason)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogCommandRejected(logger, id, tag is null ? "*" : LogText.Clean(tag), command, LogText.Clean(reason));
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Connection {Id}: {Command} {Name} done at revision {Revision}")]
    private static partial void LogWriteApplied(ILogger logger, long id, CommandKind command, string name, long revision);

    public static void WriteApplied(ILogger logger, long id, CommandKind command, string name, long revision)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogWriteApplied(logger, id, command, LogText.Clean(name), revision);
        }
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Connection {Id}: {Command} {Name} refused: {Reason}")]
    private static partial void LogWriteRefused(ILogger logger, long id, CommandKind command, string name, string reason);

    public static void WriteRefused(ILogger logger, long id, CommandKind command, string name, string reason)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogWriteRefused(logger, id, command, LogText.Clean(name), reason);
        }
    }

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Connection {Id}: {Command} {Name} failed: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, long id, CommandKind command, string name, string reason);

    public static void WriteFailed(ILogger logger, long id, CommandKind command, string name, string reason)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            LogWriteFailed(logger, id, command, LogText.Clean(name), reason);
        }
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Connection {Id}: {User} started an UPDATE stream (hosts: {Hosts}); dump of {Count} entries at revision {Revision}")]
    private static partial void LogStreamStarted(ILogger logger, long id, string user, string hosts, long count, long revision);

    public static void StreamStarted(ILogger logger, long id, string? user, string hosts, long count, long revision)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogStreamStarted(logger, id, LogText.Clean(user), LogText.Clean(hosts), count, revision);
        }
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning,
        Message = "Connection {Id}: UPDATE stream cut off after {Changes} changes, because more changes waited for it than "
            + "mupdate_stream_queue_max or mupdate_stream_buffer_max allow. The client reads too slowly, or one commit (such "
            + "as a slave's resync) changed more entries than that; raise the limits if resyncs that large are expected")]
    public static partial void StreamOverflowed(ILogger logger, long id, long changes);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Connection {Id}: UPDATE stream ended after {Changes} changes: {Reason}")]
    public static partial void StreamEnded(ILogger logger, long id, long changes, string reason);
}
