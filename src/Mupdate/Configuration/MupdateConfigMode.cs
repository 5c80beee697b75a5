namespace Mupdate.Configuration;

/// <summary>The Murder layout named by the <c>mupdate_config</c> option.</summary>
/// <remarks>
/// It decides which RESERVE and DELETE requests the mailbox list accepts and which mailboxes a slave treats as
/// local. Cyrus 3.6 reads it only when <c>mupdate_server</c> is set, and a master refuses to start with
/// <see cref="Unified"/>. That check belongs to the server, which knows its role.
/// </remarks>
public enum MupdateConfigMode
{
    /// <summary><c>standard</c>: separate frontends and backends.</summary>
    Standard,

    /// <summary><c>unified</c>: every server is both frontend and backend.</summary>
    Unified,

    /// <summary><c>replicated</c>: backends share one mail spool.</summary>
    Replicated,
}
