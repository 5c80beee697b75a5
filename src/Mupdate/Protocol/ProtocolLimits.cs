namespace Mupdate.Protocol;

/// <summary>
/// Size limits the command parser enforces before it takes memory for an element. The names follow
/// the Cyrus imapd.conf options <c>maxword</c>, <c>maxquoted</c> and <c>maxliteral</c>;
/// <see cref="MaxCommand"/> bounds a whole command, literals included.
/// </summary>
public sealed record ProtocolLimits(int MaxWord, int MaxQuoted, int MaxLiteral, int MaxCommand)
{
    /// <summary>Cyrus's defaults (128 KiB per element) and 1 MiB per command.</summary>
    public static ProtocolLimits Default { get; } = new(128 * 1024, 128 * 1024, 128 * 1024, 1024 * 1024);
}
