namespace Mupdate.Protocol;

/// <summary>
/// Fixed texts of status responses, kept together for review. Where Cyrus 3.6 sends a text that
/// Cyrus tools or administrators know, the same words are used.
/// </summary>
public static class WireText
{
    public const string GoAhead = "go ahead";

    public const string Authenticated = "Authenticated";
    public const string Done = "done";
    public const string SearchCompleted = "Search completed";
    public const string ListComplete = "list complete";
    public const string StreamingStarts = "streaming starts";
    public const string NoopDone = "Noop done";
    public const string ByeBye = "bye-bye";

    public const string NeedCommand = "Need command";
    public const string NullCommand = "Null command";
    public const string TagTooLong = "tag too long";
    public const string UnrecognizedCommand = "Unrecognized command";
    public const string MissingArguments = "Missing arguments";
    public const string ExtraArguments = "Extra arguments";
    public const string BadlyFormedArguments = "Badly formed arguments";
    public const string ExpectedString = "expected a quoted string or a literal";

    public const string PleaseLoginFirst = "Please login first";
    public const string AlreadyAuthenticated = "already authenticated";
    public const string NotLegalWhenStreaming = "not legal when streaming";
    public const string ReadOnlySession = "read-only session";
    public const string NotSynchronized = "not synchronized yet: this slave has no complete copy of the master's list";

    public const string MailboxAlreadyExists = "mailbox already exists";
    public const string MailboxDoesNotExist = "mailbox doesn't exist";
    public const string MailboxNotActive = "mailbox not currently active";

    public const string ServerUnable = "Server Unable";
    public const string ShuttingDown = "server shutting down";
    public const string IdleTooLong = "idle for too long";
    public const string LoginTimeout = "login timed out";
}
