using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Mupdate.Hosting;

/// <summary>What the program was asked to do.</summary>
public enum ProgramAction
{
    /// <summary>Run the server (master with -m, master or slave with -a, slave otherwise).</summary>
    Serve,

    /// <summary>Run a master on loopback with the embedded example configuration.</summary>
    Example,

    /// <summary>Manage the credential file (the <c>passwd</c> subcommand).</summary>
    Passwd,

    Help,

    Version,
}

/// <summary>
/// The parsed command line: <c>mupdate [-C config-file] [-m] [-a] [--listen ADDRESS:PORT]...</c>,
/// as Cyrus's mupdate(8) has it, plus the subcommands <c>passwd</c> and <c>example</c>.
/// </summary>
public sealed record CommandLine
{
    public const string DefaultConfigFile = "/etc/imapd.conf";

    public ProgramAction Action { get; init; } = ProgramAction.Serve;

    public string ConfigFile { get; init; } = DefaultConfigFile;

    public bool ConfigFileGiven { get; init; }

    /// <summary><c>-m</c>: run as the master.</summary>
    public bool Master { get; init; }

    /// <summary><c>-a</c>: run as the master only when <c>mupdate_server</c> names this host.</summary>
    public bool MasterIfNamed { get; init; }

    /// <summary>The <c>--listen</c> addresses; empty means every address on the default port.</summary>
    public IReadOnlyList<IPEndPoint> Listen { get; init; } = [];

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>The arguments after <c>passwd</c>, or the directory after <c>example</c>.</summary>
    public IReadOnlyList<string> SubcommandArguments { get; init; } = [];

    /// <summary>Parses <paramref name="args"/>; throws <see cref="UsageException"/> on an invalid command line.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var line = new CommandLine();
        var listen = new List<IPEndPoint>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    return line with { Action = ProgramAction.Help };
                case "-V" or "--version":
                    return line with { Action = ProgramAction.Version };
                case "-C":
                    line = line with { ConfigFile = Value(args, ref i, arg), ConfigFileGiven = true };
                    break;
                case "-m":
                    line = line with { Master = true };
                    break;
                case "-a":
                    line = line with { MasterIfNamed = true };
                    break;
                case "--listen":
                    listen.Add(ParseEndPoint(Value(args, ref i, arg)));
                    break;
                case "--log-level":
                    line = line with { LogLevel = ParseLogLevel(Value(args, ref i, arg)) };
                    break;
                case "passwd" when i == 0 || OnlyConfigBefore(args, i):
                    return line with { Action = ProgramAction.Passwd, SubcommandArguments = args.Skip(i + 1).ToArray() };
                case "example" when i == 0 || OnlyConfigBefore(args, i):
                    line = line with { Action = ProgramAction.Example, SubcommandArguments = args.Skip(i + 1).Take(1).ToArray() };
                    i += line.SubcommandArguments.Count;
                    break;
                default:
                    throw new UsageException(arg.StartsWith('-')
                        ? $"unknown option '{arg}'"
                        : $"unexpected argument '{arg}'");
            }
        }

        return line with { Listen = listen };
    }

    /// <summary>
    /// Parses <c>ADDRESS:PORT</c>: an IPv4 address, a bracketed IPv6 address, or <c>*</c> for every
    /// address (IPv4 and IPv6 on one socket).
    /// </summary>
    public static IPEndPoint ParseEndPoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new UsageException($"invalid --listen value '{text}': expected ADDRESS:PORT, such as 127.0.0.1:3905, [::1]:3905 or *:3905");
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw new UsageException($"invalid port '{portText}' in --listen value '{text}': expected 0 to 65535");
        }

        if (host == "*")
        {
            return new IPEndPoint(IPAddress.IPv6Any, port);
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            throw new UsageException($"invalid address '{host}' in --listen value '{text}': expected an IP address or *");
        }

        return new IPEndPoint(address, port);
    }

    private static LogLevel ParseLogLevel(string text) =>
        Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) && Enum.IsDefined(level)
            ? level
            : throw new UsageException($"invalid --log-level '{text}': expected trace, debug, information, warning, error, critical or none");

    private static bool OnlyConfigBefore(IReadOnlyList<string> args, int index) =>
        index == 2 && args[0] == "-C";

    private static string Value(IReadOnlyList<string> args, ref int index, string option)
    {
        if (index + 1 >= args.Count)
        {
            throw new UsageException($"option {option} needs a value");
        }

        index++;
        return args[index];
    }
}

/// <summary>An invalid command line; the program prints the message and the usage and exits 64.</summary>
public sealed class UsageException(string message) : Exception(message);
