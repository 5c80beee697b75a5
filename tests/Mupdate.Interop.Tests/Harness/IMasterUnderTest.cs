namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// The MUPDATE master the interop tests run the Cyrus peers against: Cyrus 3.6's own master
/// (<see cref="CyrusMasterUnderTest"/>, which proves the harness and the expectations) or our
/// server (<see cref="OurMaster"/>). Both listen on 127.0.0.1 and have an admin user.
/// </summary>
public interface IMasterUnderTest : IAsyncDisposable, IDiagnosticsSource
{
    /// <summary>A short name for messages, e.g. "Cyrus 3.6 master".</summary>
    string DisplayName { get; }

    string Host { get; }

    int Port { get; }

    /// <summary>The servername the master announces in its banner.</summary>
    string ServerName { get; }

    /// <summary>A user in the master's <c>admins</c>, allowed to write.</summary>
    string AdminUser { get; }

    string AdminPassword { get; }

    /// <summary>
    /// Creates <paramref name="entries"/> on the master (ACTIVATE / RESERVE) and throws unless all succeed.
    /// </summary>
    Task SeedAsync(IReadOnlyList<MailboxEntry> entries, CancellationToken cancellationToken);
}
