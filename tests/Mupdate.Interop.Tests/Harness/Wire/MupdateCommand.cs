using System.Text;

namespace Mupdate.Interop.Tests.Harness.Wire;

/// <summary>
/// One command ready for the wire. Every argument is sent as a non-synchronizing literal
/// <c>{n+}</c>, the way Cyrus 3.6's own clients send them, so names with spaces and ACLs with
/// TABs need no quoting. Test-only.
/// </summary>
public sealed record MupdateCommand(string Tag, string Wire)
{
    public static MupdateCommand Create(string tag, string verb, params string[] arguments)
    {
        var wire = new StringBuilder().Append(tag).Append(' ').Append(verb);
        foreach (var argument in arguments)
        {
            wire.Append(" {").Append(Encoding.UTF8.GetByteCount(argument)).Append("+}\r\n").Append(argument);
        }

        return new MupdateCommand(tag, wire.Append("\r\n").ToString());
    }

    public static MupdateCommand Activate(string tag, MailboxEntry entry) => entry.Kind switch
    {
        MailboxEntryKind.Active => Create(tag, "ACTIVATE", entry.Name, entry.Location, entry.Acl),
        _ => Create(tag, "RESERVE", entry.Name, entry.Location),
    };
}

/// <summary>The data responses and the tagged completion of one command.</summary>
public sealed record MupdateCommandResult(
    MupdateCommand Command, IReadOnlyList<MupdateResponse> Data, MupdateResponse Completion)
{
    public bool IsOk => Completion.Keyword == "OK";

    /// <summary>The MAILBOX and RESERVE data as entries.</summary>
    public IReadOnlyList<MailboxEntry> Entries =>
        [.. Data.Where(response => response.Keyword is "MAILBOX" or "RESERVE").Select(MailboxEntry.FromResponse)];

    public override string ToString() =>
        $"{Command.Wire.TrimEnd()} => {Completion}" + (Data.Count > 0 ? $" (+{Data.Count} data)" : "");
}
