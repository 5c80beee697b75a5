namespace Mupdate.Protocol;

/// <summary>The status responses of RFC 3656 section 3.1 to 3.4.</summary>
public enum ResponseStatus
{
    Ok,
    No,
    Bad,
    Bye,
}

/// <summary>The reason a command is not run, as it goes to the client.</summary>
public readonly record struct Rejection(ResponseStatus Status, string Text)
{
    public static Rejection Bad(string text) => new(ResponseStatus.Bad, text);

    public static Rejection No(string text) => new(ResponseStatus.No, text);
}
