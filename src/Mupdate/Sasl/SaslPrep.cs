using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Mupdate.Sasl;

/// <summary>
/// SASLprep (RFC 4013), the stringprep profile (RFC 3454) that SCRAM and PLAIN apply to user names and passwords,
/// so that one password typed in different Unicode forms gives the same bytes.
/// </summary>
/// <remarks>
/// NOTE: .NET normalizes with its own Unicode version, not Unicode 3.2 as RFC 4013 requires, so characters
/// assigned after 3.2 count as assigned here. The bidirectional rule uses the exact RandALCat table of RFC 3454
/// D.1, but approximates the LCat table D.2 by Unicode letter and spacing-mark categories outside D.1.
/// </remarks>
public static class SaslPrep
{
    /// <summary>
    /// Prepares <paramref name="input"/> as RFC 4013 section 2 describes: maps, normalizes with NFKC, rejects
    /// prohibited output and checks the bidirectional rule.
    /// </summary>
    /// <param name="input">The string to prepare.</param>
    /// <param name="allowUnassigned">
    /// True for a "query" such as a password typed at login. False for a "stored string" such as a user name
    /// written to the credential file, which must not contain unassigned code points.
    /// </param>
    /// <param name="prepared">The prepared string, which can be empty.</param>
    /// <param name="error">
    /// Why the input was rejected, as a phrase such as "contains a control character". It never quotes the input,
    /// because the input can be a password.
    /// </param>
    public static bool TryPrepare(
        string input,
        bool allowUnassigned,
        [NotNullWhen(true)] out string? prepared,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(input);
        prepared = null;

        if (!TryMap(input, out string? mapped, out error))
        {
            return false;
        }

        string normalized;
        try
        {
            normalized = mapped.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // TryMap already rejects lone surrogates and non-characters, which are what Normalize rejects.
            error = "contains a code point that Unicode normalization rejects";
            return false;
        }

        if (!TryCheckOutput(normalized, allowUnassigned, out error))
        {
            return false;
        }

        prepared = normalized;
        return true;
    }

    /// <summary>Prepares <paramref name="input"/> like <see cref="TryPrepare"/>.</summary>
    /// <exception cref="FormatException">The input is rejected. The message does not quote the input.</exception>
    public static string Prepare(string input, bool allowUnassigned)
    {
        if (!TryPrepare(input, allowUnassigned, out string? prepared, out string? error))
        {
            throw new FormatException($"SASLprep rejected the string: it {error}");
        }

        return prepared;
    }

    // RFC 4013 section 2.1: B.1 characters map to nothing and C.1.2 non-ASCII spaces map to U+0020. B.1 is
    // applied first, so U+200B, which is in both tables, maps to nothing.
    private static bool TryMap(string input, [NotNullWhen(true)] out string? mapped, [NotNullWhen(false)] out string? error)
    {
        var builder = new StringBuilder(input.Length);
        int index = 0;

        while (index < input.Length)
        {
            if (Rune.DecodeFromUtf16(input.AsSpan(index), out Rune rune, out int consumed) != OperationStatus.Done)
            {
                mapped = null;
                error = "contains a surrogate code point that is not part of a pair";
                return false;
            }

            index += consumed;

            // Non-characters are prohibited output that NFKC leaves alone, but string.Normalize throws on them.
            if (SaslPrepTables.IsNonCharacter(rune.Value))
            {
                mapped = null;
                error = "contains a non-character code point";
                return false;
            }

            if (SaslPrepTables.IsMappedToNothing(rune.Value))
            {
                continue;
            }

            if (SaslPrepTables.IsNonAsciiSpace(rune.Value))
            {
                builder.Append(' ');
                continue;
            }

            builder.Append(rune.ToString());
        }

        mapped = builder.ToString();
        error = null;
        return true;
    }

    // RFC 4013 sections 2.3 to 2.5: prohibited output, the bidirectional rule of RFC 3454 section 6, and
    // unassigned code points for stored strings.
    private static bool TryCheckOutput(string normalized, bool allowUnassigned, [NotNullWhen(false)] out string? error)
    {
        bool hasRandAL = false;
        bool hasL = false;
        bool firstIsRandAL = false;
        bool lastIsRandAL = false;
        bool first = true;

        foreach (Rune rune in normalized.EnumerateRunes())
        {
            string? prohibition = SaslPrepTables.FindProhibition(rune.Value);
            if (prohibition is not null)
            {
                error = "contains " + prohibition;
                return false;
            }

            UnicodeCategory category = Rune.GetUnicodeCategory(rune);
            if (!allowUnassigned && category == UnicodeCategory.OtherNotAssigned)
            {
                error = "contains an unassigned code point";
                return false;
            }

            bool isRandAL = SaslPrepTables.IsRandALCat(rune.Value);
            hasRandAL |= isRandAL;
            hasL |= !isRandAL && IsLeftToRight(category);
            if (first)
            {
                firstIsRandAL = isRandAL;
                first = false;
            }

            lastIsRandAL = isRandAL;
        }

        if (hasRandAL && (hasL || !firstIsRandAL || !lastIsRandAL))
        {
            error = "mixes right-to-left and left-to-right text in a way the bidirectional rule of RFC 3454 forbids";
            return false;
        }

        error = null;
        return true;
    }

    private static bool IsLeftToRight(UnicodeCategory category) => category is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter
        or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter
        or UnicodeCategory.SpacingCombiningMark;
}
