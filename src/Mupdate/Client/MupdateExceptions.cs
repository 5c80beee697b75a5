using Mupdate.Protocol;

namespace Mupdate.Client;

/// <summary>The server broke the protocol, closed the connection or did not respond in time.</summary>
public class MupdateProtocolException(string message) : Exception(message);

/// <summary>An UPDATE dump had more entries than the caller accepts.</summary>
public sealed class MupdateDumpTooLargeException(int maxEntries)
    : MupdateProtocolException($"the dump has more than {maxEntries} entries, the most this client accepts")
{
    public int MaxEntries { get; } = maxEntries;
}

/// <summary>The server did not respond within the client's response timeout.</summary>
public sealed class MupdateTimeoutException(string message) : MupdateProtocolException(message);

/// <summary>The server responded to a command with NO or BAD (or ended the session with BYE).</summary>
public sealed class MupdateCommandException : Exception
{
    public MupdateCommandException(ServerResponse response, string? context = null)
        : base(context is null ? $"{response.Word} \"{response.Text}\"" : $"{context}: {response.Word} \"{response.Text}\"")
    {
        Response = response;
    }

    public ServerResponse Response { get; }

    /// <summary>OK, NO, BAD or BYE.</summary>
    public string Status => Response.Word;

    public string Text => Response.Text;
}

/// <summary>Login failed: no common mechanism, wrong credentials, or the server refused the user.</summary>
public sealed class MupdateAuthenticationException(string message) : Exception(message);
