namespace Mupdate.Interop.Tests.Harness;

/// <summary>Trimming of long logs for failure messages.</summary>
public static class DiagnosticText
{
    public const int DefaultTailChars = 6000;

    /// <summary>Returns the last <paramref name="maxChars"/> characters, marked as cut when longer.</summary>
    public static string Tail(string text, int maxChars = DefaultTailChars)
    {
        if (text.Length == 0)
        {
            return "(empty)";
        }

        return text.Length <= maxChars ? text : $"[... {text.Length - maxChars} chars cut ...]" + text[^maxChars..];
    }
}
