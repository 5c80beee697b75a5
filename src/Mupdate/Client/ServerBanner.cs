using Mupdate.Protocol;

namespace Mupdate.Client;

/// <summary>
/// What a server's banner announced (RFC 3656 section 3.8). Lines the client does not know, such as
/// Cyrus's <c>* COMPRESS "DEFLATE"</c>, are ignored as the RFC requires.
/// </summary>
public sealed record ServerBanner(
    IReadOnlyList<string> Mechanisms,
    bool StartTls,
    bool PartialUpdate,
    string ServerName,
    string Implementation,
    string Version,
    string Role)
{
    public static ServerBanner Empty { get; } = new([], false, false, "", "", "", "");

    /// <summary>Whether the server is a master (role <c>(master)</c>) rather than a slave.</summary>
    public bool IsMaster => Role == "(master)";

    public static ServerBanner From(IReadOnlyList<ServerResponse> lines)
    {
        var mechanisms = new List<string>();
        var startTls = false;
        var partialUpdate = false;
        var ok = lines[^1];
        foreach (var line in lines)
        {
            switch (line.Word)
            {
                case "AUTH":
                    mechanisms.AddRange(line.Arguments.Select(m => m.ToUpperInvariant()));
                    break;
                case "STARTTLS":
                    startTls = true;
                    break;
                case "PARTIAL-UPDATE":
                    partialUpdate = true;
                    break;
            }
        }

        // * OK MUPDATE "host" "implementation" "version" "role". Cyrus clients wait only for the
        // "* OK" prefix, so missing fields are read as empty rather than refused.
        var fields = ok.Arguments;
        if (fields.Count < 1 || !string.Equals(fields[0], "MUPDATE", StringComparison.OrdinalIgnoreCase))
        {
            throw new MupdateProtocolException($"not an MUPDATE banner: * OK {ok.RawText}");
        }

        string Field(int index) => index < fields.Count ? fields[index] : "";
        return new ServerBanner(mechanisms, startTls, partialUpdate, Field(1), Field(2), Field(3), Field(4));
    }
}
