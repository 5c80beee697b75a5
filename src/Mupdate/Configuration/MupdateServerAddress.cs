using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mupdate.Configuration;

/// <summary>
/// The master that a slave connects to, parsed from a <c>mupdate_server</c> value of the form
/// <c>host[:port][/tls][/noauth]</c>. An IPv6 address is written in brackets: <c>[2001:db8::1]:3905</c>.
/// </summary>
/// <param name="Host">The host name or address, without brackets.</param>
/// <param name="Port">The TCP port, <see cref="DefaultPort"/> when the value names none.</param>
/// <param name="UseTls">Whether <c>/tls</c> was given.</param>
/// <param name="NoAuth">Whether <c>/noauth</c> was given.</param>
public sealed record MupdateServerAddress(string Host, int Port, bool UseTls, bool NoAuth)
{
    /// <summary>The standard MUPDATE TCP port (RFC 3656).</summary>
    public const int DefaultPort = 3905;

    /// <summary>Parses a <c>mupdate_server</c> value.</summary>
    /// <exception cref="FormatException">The value is not a valid address. The message gives the reason.</exception>
    public static MupdateServerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        string[] parts = text.Split('/');
        bool useTls = false;
        bool noAuth = false;
        foreach (string flag in parts.Skip(1))
        {
            switch (flag.ToLowerInvariant())
            {
                case "tls" when !useTls:
                    useTls = true;
                    break;
                case "noauth" when !noAuth:
                    noAuth = true;
                    break;
                case "tls" or "noauth":
                    throw new FormatException($"/{flag} is given twice");
                default:
                    throw new FormatException(
                        $"unknown flag '/{MessageText.Shorten(flag)}'; only /tls and /noauth may follow the host");
            }
        }

        (string host, int port) = ParseHostAndPort(parts[0]);
        return new MupdateServerAddress(host, port, useTls, noAuth);
    }

    private static (string Host, int Port) ParseHostAndPort(string text)
    {
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException("the '[' before the IPv6 address has no matching ']'");
            }

            host = text[1..close];
            if (!IPAddress.TryParse(host, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw new FormatException($"'{MessageText.Shorten(host)}' in brackets is not an IPv6 address");
            }

            string rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                port = rest.StartsWith(':')
                    ? rest[1..]
                    : throw new FormatException("only ':port' may follow the ']' of an IPv6 address");
            }
        }
        else
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && text.IndexOf(':', colon + 1) >= 0)
            {
                throw new FormatException("write an IPv6 address in brackets, as in [2001:db8::1]:3905");
            }

            host = colon < 0 ? text : text[..colon];
            port = colon < 0 ? null : text[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw new FormatException("the host name is missing; write host[:port], as in mupdate.example.com:3905");
        }

        if (host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new FormatException("the host name contains whitespace or a control character");
        }

        return (host, port is null ? DefaultPort : ParsePort(port));
    }

    private static int ParsePort(string text)
    {
        if (text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit))
        {
            int port = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            if (port is >= 1 and <= 65535)
            {
                return port;
            }
        }

        throw new FormatException($"'{MessageText.Shorten(text)}' is not a port number from 1 to 65535");
    }

    /// <summary>Returns the address in the <c>mupdate_server</c> syntax, with brackets around an IPv6 address.</summary>
    public override string ToString()
    {
        string host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        string text = string.Create(CultureInfo.InvariantCulture, $"{host}:{Port}");
        return text + (UseTls ? "/tls" : "") + (NoAuth ? "/noauth" : "");
    }
}
