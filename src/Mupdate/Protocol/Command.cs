namespace Mupdate.Protocol;

/// <summary>
/// A complete, syntactically valid command. <see cref="Arguments"/> holds the decoded strings in
/// wire order; <see cref="CommandGrammar"/> guarantees their count for <see cref="Kind"/>.
/// </summary>
public sealed class Command
{
    public Command(string tag, CommandKind kind, IReadOnlyList<string> arguments)
    {
        Tag = tag;
        Kind = kind;
        Arguments = arguments;
    }

    public string Tag { get; }

    public CommandKind Kind { get; }

    public IReadOnlyList<string> Arguments { get; }

    public string Argument(int index) => Arguments[index];
}
