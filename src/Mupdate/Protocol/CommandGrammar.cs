using System.Text;

namespace Mupdate.Protocol;

/// <summary>
/// Argument counts and forms of each command (RFC 3656 section 5, plus the Cyrus PARTIAL-UPDATE
/// form of UPDATE with host names).
/// </summary>
public static class CommandGrammar
{
    /// <summary>
    /// Maximum host names after UPDATE. Cyrus 3.x accepts 30 and answers a 31st with BAD, so a
    /// client written for Cyrus never needs more.
    /// </summary>
    public const int MaxUpdateHosts = 30;

    public static bool TryGetKind(ReadOnlySpan<byte> word, out CommandKind kind)
    {
        foreach (var (name, candidate) in Words)
        {
            if (Ascii.EqualsIgnoreCase(word, name))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    public static string Name(CommandKind kind) => kind.ToString().ToUpperInvariant();

    private static readonly (byte[] Name, CommandKind Kind)[] Words =
    [
        ("FIND"u8.ToArray(), CommandKind.Find),
        ("NOOP"u8.ToArray(), CommandKind.Noop),
        ("ACTIVATE"u8.ToArray(), CommandKind.Activate),
        ("RESERVE"u8.ToArray(), CommandKind.Reserve),
        ("DELETE"u8.ToArray(), CommandKind.Delete),
        ("DEACTIVATE"u8.ToArray(), CommandKind.Deactivate),
        ("LIST"u8.ToArray(), CommandKind.List),
        ("UPDATE"u8.ToArray(), CommandKind.Update),
        ("AUTHENTICATE"u8.ToArray(), CommandKind.Authenticate),
        ("LOGOUT"u8.ToArray(), CommandKind.Logout),
    ];

    public static int MinArguments(CommandKind kind) => kind switch
    {
        CommandKind.Activate => 3,
        CommandKind.Authenticate => 1,
        CommandKind.Deactivate => 2,
        CommandKind.Delete => 1,
        CommandKind.Find => 1,
        CommandKind.Reserve => 2,
        _ => 0,
    };

    public static int MaxArguments(CommandKind kind) => kind switch
    {
        CommandKind.Activate => 3,
        CommandKind.Authenticate => 2,
        CommandKind.Deactivate => 2,
        CommandKind.Delete => 1,
        CommandKind.Find => 1,
        CommandKind.List => 1,
        CommandKind.Reserve => 2,
        CommandKind.Update => MaxUpdateHosts,
        _ => 0,
    };

    /// <summary>
    /// Whether an atom may stand for the argument. RFC 3656 makes the SASL mechanism an atom, and
    /// Cyrus clients send an empty initial response as the bare atom <c>=</c>; every other argument
    /// must be a quoted string or a literal.
    /// </summary>
    public static bool AllowsAtom(CommandKind kind, int argumentIndex) =>
        kind == CommandKind.Authenticate && argumentIndex <= 1;

    /// <summary>Whether the argument may be the empty string (UPDATE host names may not).</summary>
    public static bool AllowsEmpty(CommandKind kind) => kind != CommandKind.Update;
}
