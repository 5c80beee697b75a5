using System.Globalization;
using Mupdate.Client;
using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

public enum MailboxWriteKind
{
    Activate,
    Reserve,
    Deactivate,
    Delete,
}

/// <summary>
/// One write command with the state it leaves, following the master's rules: ACTIVATE creates or
/// replaces, RESERVE needs a free name, DEACTIVATE turns an active mailbox into a reservation at
/// the given location, DELETE removes an existing name.
/// </summary>
public sealed record MailboxWrite(MailboxWriteKind Kind, string Name, string Location, string Acl)
{
    /// <summary>
    /// Chooses a write that the master must accept for a name in state <paramref name="current"/>
    /// (null when absent). Each ACTIVATE carries <paramref name="sequence"/> in its ACL, so that no two
    /// ACTIVATEs leave the same state.
    /// </summary>
    public static MailboxWrite Choose(Random random, string name, MailboxEntry? current, long sequence)
    {
        var location = $"be{random.Next(1, 4)}!p{random.Next(1, 3)}";
        var acl = MupdateAcl.Format(("id" + sequence.ToString(CultureInfo.InvariantCulture), "lrs"), ("anyone", "l"));
        var pick = random.Next(100);
        return current?.Kind switch
        {
            null => pick < 60
                ? new(MailboxWriteKind.Activate, name, location, acl)
                : new(MailboxWriteKind.Reserve, name, location, ""),
            MailboxEntryKind.Reserved => pick < 60
                ? new(MailboxWriteKind.Activate, name, location, acl)
                : new(MailboxWriteKind.Delete, name, "", ""),
            _ => pick switch
            {
                < 40 => new(MailboxWriteKind.Activate, name, location, acl),
                < 75 => new(MailboxWriteKind.Deactivate, name, location, ""),
                _ => new(MailboxWriteKind.Delete, name, "", ""),
            },
        };
    }

    /// <summary>Returns the state this write leaves when applied to <paramref name="current"/>.</summary>
    public MailboxEntry? Apply(MailboxEntry? current) => Kind switch
    {
        MailboxWriteKind.Activate => MailboxEntry.Active(Name, Location, Acl),
        MailboxWriteKind.Reserve => current ?? MailboxEntry.Reserved(Name, Location),
        MailboxWriteKind.Deactivate => MailboxEntry.Reserved(Name, Location),
        _ => null,
    };

    /// <summary>Sends the command; NO and BAD throw <see cref="MupdateCommandException"/>.</summary>
    public Task SendAsync(MupdateClient client, CancellationToken cancellationToken) => Kind switch
    {
        MailboxWriteKind.Activate => client.ActivateAsync(Name, Location, Acl, cancellationToken),
        MailboxWriteKind.Reserve => client.ReserveAsync(Name, Location, cancellationToken),
        MailboxWriteKind.Deactivate => client.DeactivateAsync(Name, Location, cancellationToken),
        _ => client.DeleteAsync(Name, cancellationToken),
    };

    public override string ToString() => Kind switch
    {
        MailboxWriteKind.Activate => $"ACTIVATE {Name} {Location} [{Acl.Replace('\t', ' ').Trim()}]",
        MailboxWriteKind.Reserve => $"RESERVE {Name} {Location}",
        MailboxWriteKind.Deactivate => $"DEACTIVATE {Name} {Location}",
        _ => $"DELETE {Name}",
    };
}
