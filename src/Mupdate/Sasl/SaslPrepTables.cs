namespace Mupdate.Sasl;

/// <summary>The RFC 3454 tables that SASLprep (RFC 4013) uses, as inclusive code point ranges.</summary>
internal static class SaslPrepTables
{
    private const string ControlCharacter = "a control character";
    private const string NonAsciiSpace = "a non-ASCII space";
    private const string PrivateUse = "a private-use character";
    private const string NonCharacter = "a non-character code point";
    private const string Surrogate = "a surrogate code point";
    private const string NotPlainText = "a character that is inappropriate for plain text";
    private const string IdeographicDescription = "an ideographic description character";
    private const string DisplayProperty = "a character that changes display properties or is deprecated";
    private const string Tagging = "a tagging character";

    // Table B.1: commonly mapped to nothing.
    private static readonly (int First, int Last)[] MappedToNothing =
    [
        (0x00AD, 0x00AD), (0x034F, 0x034F), (0x1806, 0x1806), (0x180B, 0x180D), (0x200B, 0x200D),
        (0x2060, 0x2060), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    ];

    // Table C.1.2: non-ASCII space characters.
    private static readonly (int First, int Last)[] NonAsciiSpaces =
    [
        (0x00A0, 0x00A0), (0x1680, 0x1680), (0x2000, 0x200B), (0x202F, 0x202F), (0x205F, 0x205F),
        (0x3000, 0x3000),
    ];

    // Tables C.1.2 and C.2.1 to C.9, the prohibited output of RFC 4013 section 2.3, sorted by first code point.
    // The non-characters of table C.4 are checked by IsNonCharacter.
    private static readonly (int First, int Last, string Kind)[] Prohibited =
    [
        (0x0000, 0x001F, ControlCharacter),
        (0x007F, 0x009F, ControlCharacter),
        (0x00A0, 0x00A0, NonAsciiSpace),
        (0x0340, 0x0341, DisplayProperty),
        (0x06DD, 0x06DD, ControlCharacter),
        (0x070F, 0x070F, ControlCharacter),
        (0x1680, 0x1680, NonAsciiSpace),
        (0x180E, 0x180E, ControlCharacter),
        (0x2000, 0x200B, NonAsciiSpace),
        (0x200C, 0x200D, ControlCharacter),
        (0x200E, 0x200F, DisplayProperty),
        (0x2028, 0x2029, ControlCharacter),
        (0x202A, 0x202E, DisplayProperty),
        (0x202F, 0x202F, NonAsciiSpace),
        (0x205F, 0x205F, NonAsciiSpace),
        (0x2060, 0x2063, ControlCharacter),
        (0x206A, 0x206F, DisplayProperty),
        (0x2FF0, 0x2FFB, IdeographicDescription),
        (0x3000, 0x3000, NonAsciiSpace),
        (0xD800, 0xDFFF, Surrogate),
        (0xE000, 0xF8FF, PrivateUse),
        (0xFEFF, 0xFEFF, ControlCharacter),
        (0xFFF9, 0xFFFC, ControlCharacter),
        (0xFFFD, 0xFFFD, NotPlainText),
        (0x1D173, 0x1D17A, ControlCharacter),
        (0xE0001, 0xE0001, Tagging),
        (0xE0020, 0xE007F, Tagging),
        (0xF0000, 0xFFFFD, PrivateUse),
        (0x100000, 0x10FFFD, PrivateUse),
    ];

    // Table D.1: characters with bidirectional property "R" or "AL".
    private static readonly (int First, int Last)[] RandALCat =
    [
        (0x05BE, 0x05BE), (0x05C0, 0x05C0), (0x05C3, 0x05C3), (0x05D0, 0x05EA), (0x05F0, 0x05F4),
        (0x061B, 0x061B), (0x061F, 0x061F), (0x0621, 0x063A), (0x0640, 0x064A), (0x066D, 0x066F),
        (0x0671, 0x06D5), (0x06DD, 0x06DD), (0x06E5, 0x06E6), (0x06FA, 0x06FE), (0x0700, 0x070D),
        (0x0710, 0x0710), (0x0712, 0x072C), (0x0780, 0x07A5), (0x07B1, 0x07B1), (0x200F, 0x200F),
        (0xFB1D, 0xFB1D), (0xFB1F, 0xFB28), (0xFB2A, 0xFB36), (0xFB38, 0xFB3C), (0xFB3E, 0xFB3E),
        (0xFB40, 0xFB41), (0xFB43, 0xFB44), (0xFB46, 0xFBB1), (0xFBD3, 0xFD3D), (0xFD50, 0xFD8F),
        (0xFD92, 0xFDC7), (0xFDF0, 0xFDFC), (0xFE70, 0xFE74), (0xFE76, 0xFEFC),
    ];

    public static bool IsMappedToNothing(int codePoint) => Contains(MappedToNothing, codePoint);

    public static bool IsNonAsciiSpace(int codePoint) => Contains(NonAsciiSpaces, codePoint);

    public static bool IsRandALCat(int codePoint) => Contains(RandALCat, codePoint);

    /// <summary>Returns whether <paramref name="codePoint"/> is in table C.4, the non-character code points.</summary>
    public static bool IsNonCharacter(int codePoint) =>
        (codePoint & 0xFFFE) == 0xFFFE || codePoint is >= 0xFDD0 and <= 0xFDEF;

    /// <summary>Returns a phrase naming the prohibited class of <paramref name="codePoint"/>, or null.</summary>
    public static string? FindProhibition(int codePoint)
    {
        if (IsNonCharacter(codePoint))
        {
            return NonCharacter;
        }

        foreach ((int first, int last, string kind) in Prohibited)
        {
            if (codePoint < first)
            {
                return null;
            }

            if (codePoint <= last)
            {
                return kind;
            }
        }

        return null;
    }

    private static bool Contains((int First, int Last)[] ranges, int codePoint)
    {
        foreach ((int first, int last) in ranges)
        {
            if (codePoint < first)
            {
                return false;
            }

            if (codePoint <= last)
            {
                return true;
            }
        }

        return false;
    }
}
