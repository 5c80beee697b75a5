using System.Text;
using Mupdate.Configuration;
using Mupdate.Sasl;

namespace Mupdate.Hosting;

/// <summary>
/// <c>mupdate passwd [-C config-file] [-f credential-file] ...</c>: finds the credential file
/// (<c>-f</c>, else <c>mupdate_credentials</c> of the configuration, so <c>-f</c> wins over <c>-C</c>)
/// and runs <see cref="CredentialCommand"/> on it.
/// </summary>
internal static class PasswdCommand
{
    public static int Run(CommandLine line, ProgramConsole console)
    {
        var configFile = line.ConfigFile;
        string? credentialFile = null;
        var rest = new List<string>();
        var args = line.SubcommandArguments;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "-C" when i + 1 < args.Count:
                    configFile = args[++i];
                    break;
                case "-f" when i + 1 < args.Count:
                    credentialFile = args[++i];
                    break;
                case "-C" or "-f":
                    console.Error.WriteLine($"mupdate passwd: option {args[i]} needs a value");
                    return ExitCodes.Usage;
                case "-h" or "--help":
                    console.Out.Write(CredentialCommand.Usage);
                    return ExitCodes.Ok;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (credentialFile is null)
        {
            try
            {
                credentialFile = MupdateProgram.LoadSettings(configFile).CredentialsPath;
            }
            catch (ConfigurationException exception)
            {
                console.Error.WriteLine($"mupdate passwd: {exception.Message}");
                console.Error.WriteLine(
                    $"mupdate passwd: fix {configFile}, or name the credential file directly with -f FILE");
                return ExitCodes.Config;
            }
        }

        var input = console.InputIsTerminal ? new NoEchoConsoleReader() : console.In;
        return CredentialCommand.Run(credentialFile, rest, input, console.Out, console.Error, console.InputIsTerminal);
    }

    /// <summary>Reads password lines from the terminal without echoing them.</summary>
    private sealed class NoEchoConsoleReader : TextReader
    {
        public override string? ReadLine()
        {
            var line = new StringBuilder();
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        Console.Error.WriteLine();
                        return line.ToString();
                    case ConsoleKey.Backspace when line.Length > 0:
                        line.Length--;
                        break;
                    default:
                        if (key.KeyChar == '\u0004' && line.Length == 0)
                        {
                            return null;
                        }

                        if (!char.IsControl(key.KeyChar))
                        {
                            line.Append(key.KeyChar);
                        }

                        break;
                }
            }
        }
    }
}
