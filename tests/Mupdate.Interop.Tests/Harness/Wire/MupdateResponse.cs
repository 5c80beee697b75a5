namespace Mupdate.Interop.Tests.Harness.Wire;

/// <summary>
/// One MUPDATE response as the tests read it: tag, keyword and the decoded strings that follow
/// (atoms, quoted strings and <c>{n}</c> / <c>{n+}</c> literals alike). Test-only: the client
/// library in src/Mupdate replaces this once it exists.
/// </summary>
public sealed record MupdateResponse(string Tag, string Keyword, IReadOnlyList<string> Arguments)
{
    /// <summary>Whether this is the tagged OK, NO or BAD that completes a command.</summary>
    public bool IsCompletion => Keyword is "OK" or "NO" or "BAD" && Tag != "*";

    /// <summary>The status text of an OK / NO / BAD, or null.</summary>
    public string? Text => Keyword is "OK" or "NO" or "BAD" && Arguments.Count > 0 ? Arguments[0] : null;

    public override string ToString() =>
        $"{Tag} {Keyword}" + string.Concat(Arguments.Select(argument => " \"" + Escape(argument) + "\""));

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\t", "\\t", StringComparison.Ordinal);
}
