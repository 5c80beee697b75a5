using Mupdate.Protocol;

namespace Mupdate.Server;

/// <summary>
/// Which command may run in which session state, in one place. Consulted as soon as the command word
/// is read, so a refused command's literals never get a go-ahead.
/// </summary>
/// <remarks>
/// Before login RFC 3656 section 4 allows only AUTHENTICATE, STARTTLS and LOGOUT, and asks for NO
/// otherwise (Cyrus 3.6 sends BAD with the same text). While streaming only NOOP and LOGOUT are legal
/// (section 4.11). A slave's session is read-only: its write commands get BAD, checked after the
/// streaming rule, as Cyrus 3.6 does.
/// </remarks>
public static class CommandStateTable
{
    public static Rejection? Check(SessionState state, bool readOnly, CommandKind command) => state switch
    {
        SessionState.NotAuthenticated => command is CommandKind.Authenticate or CommandKind.Logout
            ? null
            : Rejection.No(WireText.PleaseLoginFirst),

        SessionState.Authenticated => command switch
        {
            CommandKind.Authenticate => Rejection.Bad(WireText.AlreadyAuthenticated),
            _ when readOnly && IsWrite(command) => Rejection.Bad(WireText.ReadOnlySession),
            _ => null,
        },

        SessionState.Streaming => command switch
        {
            CommandKind.Noop or CommandKind.Logout => null,
            CommandKind.Authenticate => Rejection.Bad(WireText.AlreadyAuthenticated),
            _ => Rejection.Bad(WireText.NotLegalWhenStreaming),
        },

        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown session state"),
    };

    public static bool IsWrite(CommandKind command) =>
        command is CommandKind.Activate or CommandKind.Deactivate or CommandKind.Delete or CommandKind.Reserve;
}
