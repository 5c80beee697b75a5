using System.Text;
using Mupdate.Configuration;
using Mupdate.Sasl;

namespace Mupdate.Hosting;

/// <summary>
/// <c>mupdate passwd [-C config-file] [-f credential-file] ...</c>: finds the credential file
/// (<c>mupdate_credentials</c> of the configuration, unless <c>-f</c> names one) and runs
/// <see cref="CredentialCommand"/> on it.
/// </summary>
internal static class PasswdCommand
{
    public const string Options = """
        Where the file is:
          -C FILE         the imapd.conf whose mupdate_credentials names the file
                          (default /etc/imapd.conf; the default file is
                          {configdirectory}/mupdate.credentials)
          -f FILE         use this credential file and read no configuration

        Run it as the user the server runs as (for Cyrus's master(8), user cyrus), so the
        server can read the file it writes.

        """;

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
                    console.Out.Write("\n" + Options);
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
                console.Error.WriteLine("mupdate passwd: give the configuration with -C FILE, or the credential file with -f FILE");
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
