using System.Net;
using Microsoft.Extensions.Logging;
using Mupdate.Configuration;
using Mupdate.Sasl;

namespace Mupdate.Hosting;

/// <summary>
/// <c>mupdate example [DIRECTORY]</c>: writes the embedded example configuration into DIRECTORY,
/// adds the example admin and runs a master on 127.0.0.1:3905. For a first look, not for production:
/// the password is public and PLAIN is allowed without TLS.
/// </summary>
internal static class ExampleCommand
{
    public const string DefaultDirectory = "mupdate-example";
    public const string AdminUser = "mupdater";
    public const string AdminPassword = "secret";

    /// <summary>The embedded example imapd.conf; <c>@DIRECTORY@</c> becomes the state directory.</summary>
    public const string ConfigurationText = """
        # Example configuration written by "mupdate example". The admin user mupdater has the
        # password "secret": change it with "mupdate passwd -C @DIRECTORY@/imapd.conf change mupdater".
        configdirectory: @DIRECTORY@/conf
        servername: mupdate.example
        admins: mupdater
        # PLAIN is offered only with allowplaintext, because the server has no TLS yet.
        allowplaintext: yes
        failedloginpause: 1s
        """;

    public static async Task<int> RunAsync(CommandLine line, ProgramConsole console, Func<LogLevel, ILoggerFactory> createLoggerFactory)
    {
        var directory = Path.GetFullPath(line.SubcommandArguments.Count > 0 ? line.SubcommandArguments[0] : DefaultDirectory);
        var configFile = Path.Combine(directory, "imapd.conf");
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "conf"));
            if (!File.Exists(configFile))
            {
                await File.WriteAllTextAsync(configFile, ConfigurationText.Replace("@DIRECTORY@", directory, StringComparison.Ordinal) + "\n").ConfigureAwait(false);
            }

            var credentialsPath = MupdateProgram.LoadSettings(configFile).CredentialsPath;
            var credentials = File.Exists(credentialsPath) ? CredentialFile.Load(credentialsPath) : CredentialFile.CreateEmpty(credentialsPath);
            if (!credentials.Contains(AdminUser))
            {
                credentials.Set(UserCredential.Create(AdminUser, AdminPassword));
                credentials.Save();
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CredentialFileException or ConfigurationException)
        {
            await console.Error.WriteLineAsync($"mupdate example: cannot prepare {directory}: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.Config;
        }

        var listen = line.Listen.Count > 0 ? line.Listen : [new IPEndPoint(IPAddress.Loopback, 3905)];
        await console.Error.WriteLineAsync(
            $"mupdate example: configuration {configFile}; admin {AdminUser}, password {AdminPassword}; "
            + $"starting a master on {string.Join(", ", listen)}")
            .ConfigureAwait(false);
        var serve = line with { Action = ProgramAction.Serve, ConfigFile = configFile, Master = true, Listen = listen };
        return await MupdateProgram.ServeAsync(serve, console, createLoggerFactory).ConfigureAwait(false);
    }
}
