using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Mupdate.Configuration;
using Mupdate.IO;
using Mupdate.Protocol;
using Mupdate.Replication;
using Mupdate.Sasl;
using Mupdate.Server;
using Mupdate.Store;

namespace Mupdate.Hosting;

/// <summary>
/// The program behind the <c>mupdate</c> executable: parses the command line, loads imapd.conf,
/// opens the store and runs the server until SIGTERM, SIGINT or SIGQUIT. Every failure before the server
/// runs ends in one line on standard error and a sysexits status.
/// </summary>
public static partial class MupdateProgram
{
    public static string Version { get; } =
        typeof(MupdateProgram).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, ProgramConsole console, Func<LogLevel, ILoggerFactory> createLoggerFactory)
    {
        try
        {
            return await RunCommandAsync(args, console, createLoggerFactory).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Every expected failure has its own status; anything else is a bug, reported as one.
            await console.Error.WriteLineAsync($"mupdate: internal error: {exception}").ConfigureAwait(false);
            return ExitCodes.Software;
        }
    }

    private static async Task<int> RunCommandAsync(IReadOnlyList<string> args, ProgramConsole console, Func<LogLevel, ILoggerFactory> createLoggerFactory)
    {
        CommandLine line;
        try
        {
            line = CommandLine.Parse(args);
        }
        catch (UsageException exception)
        {
            await console.Error.WriteLineAsync($"mupdate: {exception.Message}").ConfigureAwait(false);
            await console.Error.WriteAsync(HelpText.Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        switch (line.Action)
        {
            case ProgramAction.Help:
                await console.Out.WriteAsync(HelpText.Full).ConfigureAwait(false);
                return ExitCodes.Ok;
            case ProgramAction.Version:
                await console.Out.WriteLineAsync($"mupdate-dotnet {Version}").ConfigureAwait(false);
                return ExitCodes.Ok;
            case ProgramAction.Passwd:
                return PasswdCommand.Run(line, console);
            case ProgramAction.Example:
                return await ExampleCommand.RunAsync(line, console, createLoggerFactory).ConfigureAwait(false);
            default:
                return await ServeAsync(line, console, createLoggerFactory).ConfigureAwait(false);
        }
    }

    internal static async Task<int> ServeAsync(CommandLine line, ProgramConsole console, Func<LogLevel, ILoggerFactory> createLoggerFactory)
    {
        MupdateSettings settings;
        ServerRole role;
        try
        {
            settings = LoadSettings(line.ConfigFile);
            role = RoleSelection.Decide(line, settings);
            CheckStartable(line, settings, role);
        }
        catch (ConfigurationException exception)
        {
            await console.Error.WriteLineAsync($"mupdate: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.Config;
        }

        using var loggerFactory = createLoggerFactory(line.LogLevel);
        var logger = loggerFactory.CreateLogger("Mupdate.Hosting");
        var description = settings.Describe();
        LogStarting(logger, Version, role, settings.ConfigFile, description);

        using var stop = new StopSignal(() => LogHangUpIgnored(logger));
        var credentials = OpenCredentials(settings, logger, out var credentialError);
        if (credentials is null)
        {
            await console.Error.WriteLineAsync($"mupdate: {credentialError}").ConfigureAwait(false);
            return ExitCodes.Config;
        }

        var policy = new LoginPolicy(credentials, settings.Admins, settings.AllowPlaintext, settings.SaslMechanisms);
        if (policy.OfferedMechanisms.Count == 0)
        {
            await console.Error.WriteLineAsync(
                $"mupdate: {settings.ConfigFile}: no SASL mechanism to offer: sasl_mech_list allows " +
                $"{string.Join(' ', settings.SaslMechanisms ?? SaslServerMechanisms.SupportedNames)}, and PLAIN also needs allowplaintext: yes")
                .ConfigureAwait(false);
            return ExitCodes.Config;
        }

        WarnAboutLogins(logger, settings, credentials);
        SqliteMailboxStore store;
        try
        {
            var storeOptions = new MailboxStoreOptions { CommitBatchMax = settings.CommitBatchMax };
            store = SqliteMailboxStore.Open(settings.DatabasePath, storeOptions, loggerFactory.CreateLogger("Mupdate.Store"));
        }
        catch (UnauthorizedAccessException)
        {
            await console.Error.WriteLineAsync(
                $"mupdate: cannot open the database {settings.DatabasePath}: permission denied. This server runs as "
                + $"{ProcessUser.Describe()}, so that user must be able to read and write the database, its lock file and "
                + $"its directory: run \"chown {ProcessUser.Name}\" on them").ConfigureAwait(false);
            return ExitCodes.IoError;
        }
        catch (Exception exception) when (exception is SqliteException or InvalidDataException or IOException)
        {
            await console.Error.WriteLineAsync($"mupdate: cannot open the database {settings.DatabasePath}: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.IoError;
        }

        await using (store.ConfigureAwait(false))
        {
            var options = BuildServerOptions(settings, line, role);

            // Under Cyrus's master(8) the listener comes bound on descriptor 4, unless --listen names addresses.
            using var cyrusMaster = line.Listen.Count == 0 ? CyrusMasterService.TryAttach() : null;
            if (cyrusMaster is not null)
            {
                options = options with
                {
                    Listen = [],
                    InheritedListeners = [cyrusMaster.Listener],
                    ConnectionAccepted = cyrusMaster.ReportConnection,
                };
                LogUnderCyrusMaster(logger, settings.ServiceName);
            }

            Replicator? replicator = null;
            if (role == ServerRole.Slave)
            {
                if (settings.RetryDelay < TimeSpan.FromSeconds(1))
                {
                    LogShortRetryDelay(logger, settings.RetryDelay.TotalSeconds);
                }

                if (settings.MupdateRealm is { } realm)
                {
                    LogRealmUnused(logger, realm);
                }

                replicator = new Replicator(BuildReplicaOptions(settings), store, loggerFactory.CreateLogger("Mupdate.Replication"));
            }

            await using var server = new MupdateServer(options, store, policy, loggerFactory, replica: replicator, kick: replicator);
            try
            {
                server.Start();
            }
            catch (SocketException exception)
            {
                await console.Error.WriteLineAsync(
                    $"mupdate: cannot listen on {string.Join(", ", options.Listen)}: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }

            IKickTarget kickTarget = replicator is null ? ImmediateKickTarget.Instance : replicator;
            var kickWait = replicator is null ? TimeSpan.FromSeconds(1) : 2 * settings.MasterTimeout;
            var kicks = new KickListener(
                KickSocketPath(settings), kickTarget, settings.KickMax, kickWait, loggerFactory.CreateLogger("Mupdate.Kick"));
            await using (kicks.ConfigureAwait(false))
            {
                kicks.Start();
                replicator?.Start();
                var endPoints = string.Join(", ", server.LocalEndPoints);
                LogReady(logger, endPoints, store.Revision);
                if (replicator is { IsSynchronized: false })
                {
                    LogWaitingForSync(logger, replicator.MasterName);
                }

                var signal = await stop.WaitAsync().ConfigureAwait(false);
                LogStopping(logger, signal);
                if (replicator is not null)
                {
                    await replicator.DisposeAsync().ConfigureAwait(false);
                }

                await server.StopAsync().ConfigureAwait(false);
            }
        }

        LogStopped(logger);
        return ExitCodes.Ok;
    }

    internal static MupdateSettings LoadSettings(string configFile) =>
        MupdateSettings.Load(ImapdConfigReader.ReadFile(configFile));

    private static void CheckStartable(CommandLine line, MupdateSettings settings, ServerRole role)
    {
        if (role == ServerRole.Slave)
        {
            CheckSlaveSettings(settings);
        }
        else if (settings.MupdateServer is not null && settings.ConfigMode == MupdateConfigMode.Unified)
        {
            // Cyrus reads mupdate_config only when mupdate_server is set, and refuses a unified master.
            throw new ConfigurationException(settings.ConfigFile,
                "cannot run the mupdate master on a unified server (mupdate_config: unified); use standard or replicated");
        }

        CheckConfigDirectory(settings);
    }

    private static void CheckSlaveSettings(MupdateSettings settings)
    {
        if (settings.MupdateServerAddress is not { } master)
        {
            throw new ConfigurationException(settings.ConfigFile,
                "a slave (mupdate without -m) needs mupdate_server, the master's host[:port]; set it, or run the master with -m");
        }

        if (master.UseTls)
        {
            throw new ConfigurationException(settings.ConfigFile,
                $"mupdate_server {settings.MupdateServer} asks for TLS, which this slave does not implement yet; remove /tls");
        }

        if (master.NoAuth)
        {
            return;
        }

        if (SlaveAuthenticationId(settings).Length == 0)
        {
            throw new ConfigurationException(settings.ConfigFile,
                "a slave logs in to its master: set mupdate_authname (and mupdate_password), or add /noauth to mupdate_server");
        }

        if (settings.MupdatePassword is null)
        {
            throw new ConfigurationException(settings.ConfigFile,
                $"a slave logs in to its master as {SlaveAuthenticationId(settings)}: set mupdate_password");
        }
    }

    // Cyrus's SASL client asks for the authentication id and falls back to the authorization id.
    private static string SlaveAuthenticationId(MupdateSettings settings) =>
        string.IsNullOrEmpty(settings.MupdateAuthname) ? settings.MupdateUsername : settings.MupdateAuthname;

    internal static ReplicaOptions BuildReplicaOptions(MupdateSettings settings)
    {
        var master = settings.MupdateServerAddress!;
        return new ReplicaOptions
        {
            Host = master.Host,
            Port = master.Port,
            Authenticate = !master.NoAuth,
            AuthenticationId = SlaveAuthenticationId(settings),
            AuthorizationId = settings.MupdateUsername,
            Password = settings.MupdatePassword ?? "",
            Mechanism = settings.ForceSaslClientMech,
            RetryDelay = settings.RetryDelay,
            MasterTimeout = settings.MasterTimeout,
            ConnectTimeout = settings.ClientTimeout,
            DumpTimeout = settings.DumpTimeout,
            DeletePercentMax = settings.ResyncDeletePercentMax,
            GuardEntries = settings.ResyncGuardEntries,
            Unified = settings.ConfigMode == MupdateConfigMode.Unified,
            DumpEntriesMax = settings.ReplicaEntriesMax,
            KickWaitersMax = settings.KickMax,
            MaxResponseSize = settings.CommandMax,
        };
    }

    /// <summary>The kick socket's path, where Cyrus's imapd and tools look for it.</summary>
    internal static string KickSocketPath(MupdateSettings settings) =>
        Path.Combine(settings.ConfigDirectory, "socket", "mupdate.target");

    // Lists one entry, which needs the read and search permissions that opening files in it needs.
    private static void CheckConfigDirectory(MupdateSettings settings)
    {
        var directory = settings.ConfigDirectory;
        if (File.Exists(directory))
        {
            throw new ConfigurationException(settings.ConfigFile, $"configdirectory {directory} is a file, not a directory");
        }

        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            entries.MoveNext();
        }
        catch (DirectoryNotFoundException)
        {
            throw new ConfigurationException(settings.ConfigFile,
                $"configdirectory {directory} does not exist; create it (owned by the user mupdate runs as)");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationException(settings.ConfigFile,
                $"cannot read configdirectory {directory}: permission denied. This server runs as {ProcessUser.Describe()}, "
                + "so that user must be able to read, write and search the directory, and search the directories above it: "
                + $"run \"chown {ProcessUser.Name} {directory}\"");
        }
        catch (IOException exception)
        {
            throw new ConfigurationException(settings.ConfigFile, $"cannot read configdirectory {directory}: {exception.Message}");
        }
    }

    internal static ServerOptions BuildServerOptions(MupdateSettings settings, CommandLine line, ServerRole role = ServerRole.Master)
    {
        var commandMax = settings.CommandMax;
        var limits = new ProtocolLimits(
            MaxWord: (int)Math.Min(settings.MaxWord, commandMax),
            MaxQuoted: (int)Math.Min(settings.MaxQuoted, commandMax),
            MaxLiteral: (int)Math.Min(settings.MaxLiteral, commandMax),
            MaxCommand: commandMax);
        var listen = line.Listen.Count > 0
            ? line.Listen
            : [new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, settings.Port)];
        return new ServerOptions
        {
            ServerName = settings.ServerName,
            MasterAddress = role == ServerRole.Slave ? settings.MupdateServer : null,
            Listen = listen,
            ConnectionsMax = settings.ConnectionsMax,
            Limits = limits,
            IdleTimeout = settings.IdleTimeout,
            LoginTimeout = settings.LoginTimeout,
            WriteTimeout = settings.WriteTimeout,
            FailedLoginPause = settings.FailedLoginPause,
            DumpTimeout = settings.DumpTimeout,
            StreamQueueMax = settings.StreamQueueMax,
            StreamBufferMax = settings.StreamBufferMax,
            ImplementationVersion = Version,
        };
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Starting mupdate-dotnet {Version} as {Role} with {ConfigFile}: {Settings}")]
    private static partial void LogStarting(ILogger logger, string version, ServerRole role, string configFile, string settings);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Ready on {EndPoints} at revision {Revision}")]
    private static partial void LogReady(ILogger logger, string endPoints, long revision);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Received {Signal}; stopping")]
    private static partial void LogStopping(ILogger logger, string signal);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Warning,
        Message = "mupdate_retry_delay is {Seconds} s; the slave uses 1 s between keepalives and before reconnects instead "
            + "(Cyrus 3.6 crashes on 0 and 1)")]
    private static partial void LogShortRetryDelay(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Warning,
        Message = "mupdate_realm is {Realm}, but SCRAM and PLAIN carry no realm, so it is not sent (Cyrus 3.6 does the same); "
            + "if the master expects a realm, write user@realm into mupdate_authname")]
    private static partial void LogRealmUnused(ILogger logger, string realm);

    [LoggerMessage(EventId = 1116, Level = LogLevel.Information,
        Message = "Started by Cyrus master(8) for its service {Service}: serving the listener on descriptor 4")]
    private static partial void LogUnderCyrusMaster(ILogger logger, string service);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Information,
        Message = "No complete replica yet: FIND and LIST answer NO, and UPDATE waits, until the first resync with {Master} commits")]
    private static partial void LogWaitingForSync(ILogger logger, string master);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(
        EventId = 1112,
        Level = LogLevel.Information,
        Message = "Received SIGHUP; ignored, because the credential file is reloaded automatically when it changes "
            + "and imapd.conf is read only at start (restart to apply a change). Logs go to standard error, so there is "
            + "no log file to reopen")]
    private static partial void LogHangUpIgnored(ILogger logger);
}

/// <summary>The standard streams the program uses, replaceable in tests.</summary>
public sealed record ProgramConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputIsTerminal)
{
    public static ProgramConsole System { get; } =
        new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected);
}
