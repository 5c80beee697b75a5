using Mupdate.Interop.Tests.Harness;

namespace Mupdate.Interop.Tests.ProcessLevel;

/// <summary>
/// What one client did to one name: the state its acknowledged writes leave, every acknowledged
/// write in order, and the write still waiting for a reply when the server died. Only its own
/// worker writes the name, so the order of that worker's commands is the name's order.
/// </summary>
public sealed class NameHistory(string name)
{
    private readonly List<MailboxWrite> _acknowledged = [];

    public string Name { get; } = name;

    /// <summary>The state after every acknowledged write, starting from the state the last check found.</summary>
    public MailboxEntry? Expected { get; private set; }

    /// <summary>The write sent whose reply has not arrived, or null.</summary>
    public MailboxWrite? InFlight { get; set; }

    public IReadOnlyList<MailboxWrite> Acknowledged => _acknowledged;

    public void Acknowledge(MailboxWrite write)
    {
        _acknowledged.Add(write);
        Expected = write.Apply(Expected);
        InFlight = null;
    }

    /// <summary>
    /// Returns whether <paramref name="found"/> is a state a prefix of this history explains: the
    /// acknowledged state, or that state with the write in flight applied.
    /// </summary>
    public bool Explains(MailboxEntry? found) =>
        found == Expected || (InFlight is { } pending && found == pending.Apply(Expected));

    /// <summary>Takes <paramref name="found"/> as the new starting state after a check passed.</summary>
    public void Settle(MailboxEntry? found)
    {
        Expected = found;
        InFlight = null;
    }

    public string Describe() =>
        $"{Name}: expected {Expected?.ToString() ?? "(absent)"}, in flight {InFlight?.ToString() ?? "(none)"}, "
        + $"last acknowledged: {string.Join("; ", _acknowledged.TakeLast(5))}";
}
