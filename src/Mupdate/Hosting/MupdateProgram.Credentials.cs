using Microsoft.Extensions.Logging;
using Mupdate.Configuration;
using Mupdate.IO;
using Mupdate.Sasl;

namespace Mupdate.Hosting;

/// <summary>Opening the credential file at start-up, and the log lines about who can log in.</summary>
public static partial class MupdateProgram
{
    /// <summary>
    /// Loads the credential file and the key of the salts for unknown users, and logs each reload. Returns null
    /// with a one-line <paramref name="error"/> when either file is malformed, has unsafe permissions or cannot
    /// be read.
    /// </summary>
    private static CredentialFileStore? OpenCredentials(MupdateSettings settings, ILogger logger, out string? error)
    {
        var path = settings.CredentialsPath;
        if (!TryOpenFakeSaltKey(FakeSaltKeyFile.PathFor(path), logger, out var key, out error))
        {
            return null;
        }

        CredentialFileStore store;
        try
        {
            store = new CredentialFileStore(path) { FakeSaltKey = key };
        }
        catch (CredentialFileException exception)
        {
            error = exception.Message;
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            error = DescribeUnreadableCredentials(path);
            return null;
        }
        catch (IOException exception)
        {
            error = $"cannot read the credential file {path}: {exception.Message}";
            return null;
        }

        store.Reloaded += (_, e) => LogReload(logger, settings.Admins, e);
        return store;
    }

    /// <summary>
    /// Reads the key of the salts for unknown users, creating it on the first start. Returns false with an
    /// <paramref name="error"/> when the file exists but cannot be used. When it cannot be created, logs a
    /// warning and returns true with a null key, so the server uses a key of this process.
    /// </summary>
    private static bool TryOpenFakeSaltKey(string path, ILogger logger, out byte[]? key, out string? error)
    {
        key = null;
        error = null;
        try
        {
            key = FakeSaltKeyFile.Load(path);
        }
        catch (CredentialFileException exception)
        {
            error = exception.Message;
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            error = $"cannot read the salt key file {path}: permission denied. This server runs as {ProcessUser.Describe()}, "
                + $"so that user must be able to read it: run \"chown {ProcessUser.Name} {path}\"";
            return false;
        }
        catch (IOException exception)
        {
            error = $"cannot read the salt key file {path}: {exception.Message}";
            return false;
        }

        if (key is not null)
        {
            return true;
        }

        try
        {
            key = FakeSaltKeyFile.Create(path);
            LogFakeSaltKeyCreated(logger, path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CredentialFileException)
        {
            LogFakeSaltKeyNotCreated(logger, path, exception.Message);
        }

        return true;
    }

    internal static string DescribeUnreadableCredentials(string path) =>
        $"cannot read the credential file {path}: permission denied. This server runs as {ProcessUser.Describe()}, "
        + $"so that user must be able to read the file and search its directory: run \"chown {ProcessUser.Name} {path}\", "
        + "or create the file with \"mupdate passwd\" run as that user";

    /// <summary>
    /// Logs the outcome of one reload, with a warning when it leaves no user (every login then fails) or no
    /// admin with credentials (only admins may log in).
    /// </summary>
    internal static void LogReload(ILogger logger, IReadOnlySet<string> admins, CredentialReloadEventArgs reload)
    {
        if (reload.Error is { } failure)
        {
            LogCredentialsReloadFailed(logger, reload.Path, failure.Message);
            return;
        }

        var users = reload.Current.Users;
        LogCredentialsReloaded(logger, reload.Path, users.Count);
        if (!reload.Current.Exists)
        {
            LogCredentialsDeleted(logger, reload.Path);
        }
        else if (users.Count == 0)
        {
            LogCredentialsEmpty(logger, reload.Path);
        }
        else if (admins.Count > 0 && !HasAdminCredentials(admins, reload.Current))
        {
            LogNoAdminCredentials(logger, reload.Path);
        }
    }

    private static void WarnAboutLogins(ILogger logger, MupdateSettings settings, CredentialFileStore credentials)
    {
        if (settings.Admins.Count == 0)
        {
            LogNoAdmins(logger, settings.ConfigFile);
        }

        if (!HasAdminCredentials(settings.Admins, credentials.Current))
        {
            LogNoAdminCredentials(logger, credentials.Path);
        }
    }

    private static bool HasAdminCredentials(IReadOnlySet<string> admins, CredentialFile credentials) =>
        admins.Any(credentials.Contains);

    [LoggerMessage(
        EventId = 1104,
        Level = LogLevel.Warning,
        Message = "admins is empty in {ConfigFile}: nobody can log in, because only admins may")]
    private static partial void LogNoAdmins(ILogger logger, string configFile);

    [LoggerMessage(
        EventId = 1105,
        Level = LogLevel.Warning,
        Message = "No user in admins has credentials in {Path}; add one with: mupdate passwd -C <imapd.conf> add <user>")]
    private static partial void LogNoAdminCredentials(ILogger logger, string path);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Reloaded credentials from {Path}: {Count} users")]
    private static partial void LogCredentialsReloaded(ILogger logger, string path, int count);

    [LoggerMessage(
        EventId = 1107,
        Level = LogLevel.Error,
        Message = "Reloading credentials from {Path} failed, keeping the previous ones: {Reason}")]
    private static partial void LogCredentialsReloadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Created the salt key file {Path}")]
    private static partial void LogFakeSaltKeyCreated(ILogger logger, string path);

    [LoggerMessage(
        EventId = 1111,
        Level = LogLevel.Warning,
        Message = "Cannot create the salt key file {Path}, so the SCRAM salts of unknown users change at each restart, "
            + "which tells them from real users: {Reason}")]
    private static partial void LogFakeSaltKeyNotCreated(ILogger logger, string path, string reason);

    [LoggerMessage(
        EventId = 1108,
        Level = LogLevel.Warning,
        Message = "Credential file {Path} was deleted, so every login fails until it is back; "
            + "add users with: mupdate passwd -C <imapd.conf> add <user>")]
    private static partial void LogCredentialsDeleted(ILogger logger, string path);

    [LoggerMessage(
        EventId = 1109,
        Level = LogLevel.Warning,
        Message = "Credential file {Path} has no users, so every login fails; add users with: mupdate passwd -C <imapd.conf> add <user>")]
    private static partial void LogCredentialsEmpty(ILogger logger, string path);
}
