namespace Mupdate.Client;

/// <summary>Timeouts and limits of <see cref="MupdateClient"/>.</summary>
public sealed record MupdateClientOptions
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a command waits for its response, and a write for the server to take it.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest response line the client buffers, literals included.</summary>
    public int MaxResponseSize { get; init; } = 1024 * 1024;
}
