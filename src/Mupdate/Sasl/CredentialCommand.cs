using System.Globalization;
using System.Text;
using Mupdate.IO;

namespace Mupdate.Sasl;

/// <summary>
/// The <c>mupdate passwd</c> subcommand, in the spirit of Cyrus SASL's saslpasswd2: adds, changes, deletes and
/// lists users of the credential file. Exit codes follow sysexits.h.
/// </summary>
public static class CredentialCommand
{
    /// <summary>
    /// The help text for <c>mupdate passwd --help</c>, also printed after a usage error. It ends with a newline.
    /// </summary>
    public const string Usage = """
        Usage: mupdate passwd [-C config-file] [-f credential-file] [--iterations N]
                              add|change|set|delete USER
               mupdate passwd [-C config-file] [-f credential-file] list

        Manages the SCRAM credential file that the MUPDATE server authenticates users
        against. The file stores a salted, iterated SCRAM-SHA-256 and SCRAM-SHA-1 secret
        for each user, never the password, and must have mode 0600.

        Commands:
          add USER      add USER; fails if USER already exists
          change USER   replace the password of USER; fails if USER does not exist
          set USER      add USER, or replace the password if USER exists
          delete USER   remove USER
          list          print the user names, one per line

        Where the file is:
          -C FILE       the imapd.conf whose mupdate_credentials names the file
                        (default /etc/imapd.conf; the default file is
                        {configdirectory}/mupdate.credentials)
          -f FILE       use this credential file and read no configuration; with both
                        -C and -f, -f wins and the -C file is not read

        Run it as the user the server runs as (for Cyrus's master(8), user cyrus), so the
        server can read the file it writes.

        Options:
          --iterations N  PBKDF2 iteration count of the new secrets, 4096 to 65536
                          (default 4096). 65536 is the most Cyrus SASL clients accept.
          -h, --help      print this text and exit

        The password is read from standard input: one line, without the line end.
        On a terminal it is asked for twice. The server picks up changes to the file
        within about a second.

        Exit status: 0 success, 64 usage error, 65 invalid user name, password or file
        content, 67 unknown user, 73 cannot create the file, 74 read or write error,
        78 the file is readable or writable by group or others.

        """;

    private const int ExitOk = 0;
    private const int ExitUsage = 64;
    private const int ExitDataError = 65;
    private const int ExitNoUser = 67;
    private const int ExitCannotCreate = 73;
    private const int ExitIOError = 74;
    private const int ExitConfig = 78;

    /// <summary>Runs the subcommand and returns its exit code.</summary>
    /// <param name="credentialFilePath">The credential file from the server configuration.</param>
    /// <param name="args">The arguments after <c>passwd</c>.</param>
    /// <param name="stdin">The source of the password.</param>
    /// <param name="stdout">Receives the list and confirmations.</param>
    /// <param name="stderr">Receives prompts, warnings and errors.</param>
    /// <param name="stdinIsTerminal">
    /// True to prompt on <paramref name="stderr"/> and ask twice. The caller turns off echo.
    /// </param>
    public static int Run(
        string credentialFilePath,
        IReadOnlyList<string> args,
        TextReader stdin,
        TextWriter stdout,
        TextWriter stderr,
        bool stdinIsTerminal)
    {
        ArgumentException.ThrowIfNullOrEmpty(credentialFilePath);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        Invocation invocation;
        try
        {
            invocation = ParseArguments(args);
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"mupdate passwd: {ex.Message}");
            stderr.WriteLine();
            stderr.Write(Usage);
            return ExitUsage;
        }

        if (invocation.Verb == "help")
        {
            stdout.Write(Usage);
            return ExitOk;
        }

        var context = new Context(credentialFilePath, stdin, stdout, stderr, stdinIsTerminal);
        return Execute(invocation, context);
    }

    private static int Execute(Invocation invocation, Context context)
    {
        string? user = null;
        if (invocation.UserName is not null)
        {
            if (!CredentialUserName.TryPrepare(invocation.UserName, out user, out string? error))
            {
                return context.Fail(ExitDataError, $"invalid user name {Quote(invocation.UserName)}: {error}");
            }

            if (!string.Equals(user, invocation.UserName, StringComparison.Ordinal))
            {
                context.Stderr.WriteLine($"mupdate passwd: note: SASLprep turns the user name into {Quote(user)}");
            }
        }

        // Concurrent runs would each read, change and rename the file, and all but the last change
        // would be lost, so every run that writes holds the lock file from reading to renaming.
        var lockFailure = ExitOk;
        using var writeLock = invocation.Verb == "list" ? null : LockForWrite(context, out lockFailure);
        if (lockFailure != ExitOk)
        {
            return lockFailure;
        }

        CredentialFile file;
        try
        {
            file = CredentialFile.Load(context.Path);
        }
        catch (CredentialFileException ex)
        {
            return context.Fail(ex.IsUnsafeMode ? ExitConfig : ExitDataError, ex.Message);
        }
        catch (UnauthorizedAccessException)
        {
            return context.Fail(
                ExitIOError,
                $"cannot read credential file {context.Path}: permission denied for {ProcessUser.Describe()}. "
                + "Run mupdate passwd as the user the server runs as, who should own the file");
        }
        catch (IOException ex)
        {
            return context.Fail(ExitIOError, $"cannot read credential file {context.Path}: {ex.Message}");
        }

        return invocation.Verb switch
        {
            "list" => List(file, context),
            "delete" => Delete(file, user!, context),
            _ => Store(file, invocation.Verb, user!, invocation.Iterations, context),
        };
    }

    private static LockFile? LockForWrite(Context context, out int failure)
    {
        failure = ExitOk;
        try
        {
            return LockFile.Acquire(context.Path + ".lock", TimeSpan.FromSeconds(30));
        }
        catch (DirectoryNotFoundException)
        {
            failure = context.Fail(ExitCannotCreate, $"cannot create credential file {context.Path}: its directory does not exist");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failure = context.Fail(ExitIOError, $"cannot lock credential file {context.Path}: {ex.Message}");
            return null;
        }
    }

    private static int List(CredentialFile file, Context context)
    {
        if (!file.Exists)
        {
            context.Stderr.WriteLine($"mupdate passwd: credential file {context.Path} does not exist yet");
        }

        foreach (UserCredential credential in file.Users)
        {
            context.Stdout.WriteLine(credential.UserName);
        }

        return ExitOk;
    }

    private static int Delete(CredentialFile file, string user, Context context)
    {
        if (!file.Remove(user))
        {
            return context.Fail(ExitNoUser, $"user {Quote(user)} not found in {context.Path}");
        }

        return Save(file, context, $"deleted user {Quote(user)}");
    }

    private static int Store(CredentialFile file, string verb, string user, int iterations, Context context)
    {
        bool exists = file.Contains(user);
        if (verb == "add" && exists)
        {
            return context.Fail(
                ExitDataError,
                $"user {Quote(user)} already exists in {context.Path}. Use \"change\" or \"set\" to replace the password");
        }

        if (verb == "change" && !exists)
        {
            return context.Fail(
                ExitNoUser,
                $"user {Quote(user)} not found in {context.Path}. Use \"add\" or \"set\" to create it");
        }

        string? password = ReadPassword(user, context, out int readFailure);
        if (password is null)
        {
            return readFailure;
        }

        if (!SaslPrep.TryPrepare(password, allowUnassigned: false, out string? prepared, out string? error))
        {
            return context.Fail(ExitDataError, $"invalid password: it {error}");
        }

        if (prepared.Length == 0)
        {
            return context.Fail(ExitDataError, "invalid password: it is empty after SASLprep");
        }

        file.Set(UserCredential.Create(user, password, iterations));
        return Save(file, context, exists ? $"changed the password of user {Quote(user)}" : $"added user {Quote(user)}");
    }

    private static string? ReadPassword(string user, Context context, out int failure)
    {
        failure = ExitOk;
        try
        {
            string? password = ReadLine(context, $"Password for {user}: ");
            if (string.IsNullOrEmpty(password))
            {
                failure = context.Fail(ExitDataError, "empty password: give the password as one line on standard input");
                return null;
            }

            if (context.StdinIsTerminal)
            {
                string? again = ReadLine(context, $"Retype password for {user}: ");
                if (!string.Equals(password, again, StringComparison.Ordinal))
                {
                    failure = context.Fail(ExitDataError, "the passwords do not match, so nothing was changed");
                    return null;
                }
            }

            return password;
        }
        catch (IOException ex)
        {
            failure = context.Fail(ExitIOError, $"cannot read the password from standard input: {ex.Message}");
            return null;
        }
    }

    // TextReader.ReadLine removes the line end, whether LF, CR LF or CR.
    private static string? ReadLine(Context context, string prompt)
    {
        if (context.StdinIsTerminal)
        {
            context.Stderr.Write(prompt);
            context.Stderr.Flush();
        }

        string? line = context.Stdin.ReadLine();
        if (context.StdinIsTerminal)
        {
            context.Stderr.WriteLine();
        }

        return line;
    }

    private static int Save(CredentialFile file, Context context, string done)
    {
        try
        {
            file.Save();
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return context.Fail(
                ExitCannotCreate,
                $"cannot create credential file {context.Path}: {ex.Message} Check that the directory exists and is "
                + "writable.");
        }
        catch (IOException ex)
        {
            return context.Fail(ExitIOError, $"cannot write credential file {context.Path}: {ex.Message}");
        }

        context.Stdout.WriteLine($"{done} in {context.Path}");
        return ExitOk;
    }

    private static Invocation ParseArguments(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        int? iterations = null;
        bool optionsEnded = false;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (optionsEnded || !arg.StartsWith('-') || arg == "-")
            {
                positional.Add(arg);
            }
            else if (arg == "--")
            {
                optionsEnded = true;
            }
            else if (arg is "-h" or "--help")
            {
                return new Invocation("help", null, 0);
            }
            else if (arg == "--iterations")
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException("--iterations needs a value");
                }

                iterations = ParseIterations(args[++i]);
            }
            else if (arg.StartsWith("--iterations=", StringComparison.Ordinal))
            {
                iterations = ParseIterations(arg["--iterations=".Length..]);
            }
            else
            {
                throw new UsageException($"unknown option {Quote(arg)}");
            }
        }

        return CheckPositional(positional, iterations);
    }

    private static Invocation CheckPositional(List<string> positional, int? iterations)
    {
        if (positional.Count == 0)
        {
            throw new UsageException("missing command");
        }

        string verb = positional[0];
        switch (verb)
        {
            case "list":
                if (positional.Count != 1)
                {
                    throw new UsageException("list takes no user name");
                }

                if (iterations is not null)
                {
                    throw new UsageException("--iterations applies only to add, change and set");
                }

                return new Invocation(verb, null, 0);
            case "add" or "change" or "set" or "delete":
                if (positional.Count != 2)
                {
                    throw new UsageException($"{verb} takes exactly one user name");
                }

                if (verb == "delete" && iterations is not null)
                {
                    throw new UsageException("--iterations applies only to add, change and set");
                }

                return new Invocation(verb, positional[1], iterations ?? ScramSecret.DefaultIterations);
            default:
                throw new UsageException($"unknown command {Quote(verb)}");
        }
    }

    private static int ParseIterations(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            || value < ScramSecret.MinimumIterations
            || value > ScramSecret.MaximumIterations)
        {
            throw new UsageException(
                $"invalid --iterations value {Quote(text)}: expected a number from {ScramSecret.MinimumIterations} "
                + $"to {ScramSecret.MaximumIterations}");
        }

        return value;
    }

    // Shows a user-supplied value in quotes with control characters escaped, so it cannot garble a terminal.
    private static string Quote(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (char c in value)
        {
            if (char.IsControl(c) || c == '"' || c == '\\')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    private sealed record Invocation(string Verb, string? UserName, int Iterations);

    private sealed record Context(string Path, TextReader Stdin, TextWriter Stdout, TextWriter Stderr, bool StdinIsTerminal)
    {
        public int Fail(int exitCode, string message)
        {
            Stderr.WriteLine($"mupdate passwd: {message}");
            return exitCode;
        }
    }

    private sealed class UsageException(string message) : Exception(message);
}
