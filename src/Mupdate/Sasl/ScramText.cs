using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Mupdate.Sasl;

/// <summary>The RFC 5802 section 7 syntax shared by the SCRAM server and client.</summary>
internal static class ScramText
{
    /// <summary>The maximum length in bytes of one SCRAM message accepted from the other side.</summary>
    public const int MaxMessageLength = 4096;

    /// <summary>The maximum length in characters of the nonce part chosen by either side.</summary>
    public const int MaxNonceLength = 512;

    private static readonly UTF8Encoding StrictUtf8 = new(
        encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true);

    /// <summary>Decodes a whole message as strict UTF-8 and rejects NUL, which no SCRAM attribute may contain.</summary>
    public static bool TryDecodeMessage(ReadOnlySpan<byte> message, [NotNullWhen(true)] out string? text)
    {
        if (message.Contains((byte)0) || !TryDecodeUtf8(message, out text))
        {
            text = null;
            return false;
        }

        return true;
    }

    public static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = null;
            return false;
        }
    }

    public static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Returns the value of <paramref name="attribute"/> when it has the form <c>name=value</c>.</summary>
    public static bool TryGetValue(string attribute, char name, [NotNullWhen(true)] out string? value)
    {
        if (attribute.Length >= 2 && attribute[0] == name && attribute[1] == '=')
        {
            value = attribute[2..];
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Returns whether <paramref name="attribute"/> is an extension: <c>ALPHA "=" 1*value-char</c>.</summary>
    public static bool IsExtension(string attribute) =>
        attribute.Length >= 3 && char.IsAsciiLetter(attribute[0]) && attribute[1] == '=';

    /// <summary>
    /// Decodes a saslname, in which "," is sent as "=2C" and "=" as "=3D". Any other "=" makes the name invalid,
    /// and RFC 5802 section 5.1 requires the server to fail then. The escapes are case-sensitive, as in RFC 5802.
    /// </summary>
    public static bool TryDecodeSaslName(string value, [NotNullWhen(true)] out string? name)
    {
        name = null;
        if (value.Length == 0)
        {
            return false;
        }

        var builder = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c != '=')
            {
                builder.Append(c);
                continue;
            }

            ReadOnlySpan<char> escape = value.AsSpan(i + 1);
            if (escape.StartsWith("2C", StringComparison.Ordinal))
            {
                builder.Append(',');
            }
            else if (escape.StartsWith("3D", StringComparison.Ordinal))
            {
                builder.Append('=');
            }
            else
            {
                return false;
            }

            i += 2;
        }

        name = builder.ToString();
        return true;
    }

    public static string EncodeSaslName(string name) =>
        name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    /// <summary>Returns whether <paramref name="nonce"/> is 1 to 512 printable ASCII characters other than ",".</summary>
    public static bool IsValidNonce(string nonce) =>
        nonce.Length > 0 && nonce.Length <= MaxNonceLength && IsPrintableAscii(nonce);

    /// <summary>Returns whether every character is printable ASCII other than ",", the RFC 5802 "printable".</summary>
    public static bool IsPrintableAscii(string text)
    {
        foreach (char c in text)
        {
            if (c < 0x21 || c > 0x7E || c == ',')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Decodes standard base64 with padding. Unlike <see cref="Convert.TryFromBase64String"/> it rejects whitespace,
    /// which SCRAM and the credential file never contain.
    /// </summary>
    public static bool TryDecodeBase64(string text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (text.Length % 4 != 0)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/' && c != '=')
            {
                return false;
            }
        }

        byte[] buffer = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64String(text, buffer, out int written))
        {
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return true;
    }
}
