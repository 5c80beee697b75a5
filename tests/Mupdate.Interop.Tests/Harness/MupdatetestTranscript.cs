using System.Text;
using Mupdate.Protocol;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// What one <c>mupdatetest</c> run printed, parsed: the banner it received, the mechanism it
/// chose, whether it logged in, and every server response that followed the login.
/// </summary>
public sealed record MupdatetestTranscript(
    string CommandLine,
    int ExitCode,
    string Output,
    string Stderr,
    TimeSpan Elapsed,
    IReadOnlyList<string> BannerLines,
    string? Mechanism,
    string? LoginReply,
    bool Authenticated,
    IReadOnlyList<ServerResponse> Responses)
{
    /// <summary>The tagged OK / NO / BAD for <paramref name="tag"/>, or throws when there is none.</summary>
    public ServerResponse Completion(string tag) =>
        Responses.FirstOrDefault(response => response.Tag == tag && response.Word is "OK" or "NO" or "BAD")
        ?? throw new InvalidDataException($"no tagged reply for {tag} in the mupdatetest output:\n{Describe()}");

    /// <summary>The MAILBOX and RESERVE data of <paramref name="tag"/>, in the order received.</summary>
    public IReadOnlyList<MailboxEntry> Entries(string tag) =>
        [.. Responses.Where(response => response.Tag == tag && response.Word is "MAILBOX" or "RESERVE")
            .Select(MailboxEntry.FromResponse)];

    public string Describe() =>
        $"$ {CommandLine}\nexit {ExitCode} after {Elapsed.TotalSeconds:F3} s\n--- stdout ---\n"
        + $"{DiagnosticText.Tail(Output)}\n--- stderr ---\n{DiagnosticText.Tail(Stderr)}";

    /// <summary>
    /// Parses mupdatetest's output. Its layout (Cyrus 3.6): <c>S:</c> / <c>C:</c> lines for the
    /// banner and the login, then <c>Authenticated.</c> (or <c>Authentication failed.</c>),
    /// <c>Security strength factor: N</c>, the raw server lines (CRLF, literals as sent) with its
    /// own <c>C: Q01 LOGOUT</c> echo among them, and <c>Connection closed.</c>.
    /// </summary>
    public static MupdatetestTranscript Parse(
        string commandLine, int exitCode, string output, string stderr, TimeSpan elapsed)
    {
        var lines = output.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var banner = lines.Where(line => line.StartsWith("S: * ", StringComparison.Ordinal))
            .Select(line => line[3..])
            .ToList();
        var authenticateLine = lines.FirstOrDefault(
            line => line.StartsWith("C: A01 AUTHENTICATE ", StringComparison.Ordinal));
        var mechanism = authenticateLine?.Split(' ')[3].Trim('"');
        var loginReply = lines.FirstOrDefault(line => line.StartsWith("S: A01 ", StringComparison.Ordinal))?[3..];
        var authenticated = lines.Contains("Authenticated.");

        var start = lines.FindIndex(line => line.StartsWith("Security strength factor:", StringComparison.Ordinal));
        var serverLines = start < 0
            ? []
            : lines.Skip(start + 1)
                .TakeWhile(line => line != "Connection closed.")
                .Where(line => !line.StartsWith("C: ", StringComparison.Ordinal))
                .ToList();
        var responses = ParseResponses(serverLines);
        return new MupdatetestTranscript(
            commandLine, exitCode, output, stderr, elapsed, banner, mechanism, loginReply, authenticated, responses);
    }

    /// <summary>
    /// Parses the server lines with the product's response parser. Blank lines (mupdatetest
    /// prints some) are dropped first, because a response needs a tag.
    /// </summary>
    private static List<ServerResponse> ParseResponses(List<string> serverLines)
    {
        var text = string.Concat(serverLines.Where(line => line.Length > 0).Select(line => line + "\r\n"));
        var bytes = Encoding.UTF8.GetBytes(text);
        var responses = new List<ServerResponse>();
        var position = 0;
        while (position < bytes.Length)
        {
            var consumed = ResponseParser.TryParse(bytes.AsSpan(position), bytes.Length, out var response);
            if (consumed == 0 || response is null)
            {
                throw new InvalidDataException(
                    $"incomplete server response at byte {position} of the mupdatetest output: "
                    + Encoding.UTF8.GetString(bytes, position, bytes.Length - position));
            }

            responses.Add(response);
            position += consumed;
        }

        return responses;
    }
}
