using System.Runtime.Versioning;
using Mupdate.Sasl;

namespace Mupdate.Tests.Sasl;

[UnsupportedOSPlatform("windows")]
public sealed class CredentialCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _path;
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public CredentialCommandTests()
    {
        _path = _directory.File("mupdate.users");
    }

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void AddCreatesUserWithMode0600()
    {
        int exit = Run("pencil\n", "add", "mupdater");

        Assert.Equal(0, exit);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path));
        Assert.True(CanLogIn("mupdater", "pencil"));
        Assert.Contains("added user \"mupdater\"", _stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal("", _stderr.ToString());
    }

    [Fact]
    public void AddExistingUserFails()
    {
        Run("pencil\n", "add", "mupdater");

        int exit = Run("other\n", "add", "mupdater");

        Assert.Equal(65, exit);
        Assert.Contains("already exists", _stderr.ToString(), StringComparison.Ordinal);
        Assert.True(CanLogIn("mupdater", "pencil"));
    }

    [Fact]
    public void ChangeReplacesPassword()
    {
        Run("pencil\n", "add", "mupdater");
        byte[] oldSalt = CredentialFile.Load(_path).Find("mupdater")!.Sha256!.Salt;

        int exit = Run("new password\r\n", "change", "mupdater");

        Assert.Equal(0, exit);
        Assert.True(CanLogIn("mupdater", "new password"));
        Assert.False(CanLogIn("mupdater", "pencil"));
        Assert.NotEqual(oldSalt, CredentialFile.Load(_path).Find("mupdater")!.Sha256!.Salt);
    }

    [Fact]
    public void ChangeMissingUserIsNoUser()
    {
        int exit = Run("pencil\n", "change", "ghost");

        Assert.Equal(67, exit);
        Assert.Contains("user \"ghost\" not found", _stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public void DeleteRemovesUser()
    {
        Run("pencil\n", "add", "a");
        Run("pencil\n", "add", "b");

        int exit = Run("", "delete", "a");

        Assert.Equal(0, exit);
        Assert.Equal(["b"], CredentialFile.Load(_path).Users.Select(u => u.UserName));
        Assert.Equal(67, Run("", "delete", "a"));
    }

    [Fact]
    public void SetAddsThenChanges()
    {
        Assert.Equal(0, Run("one\n", "set", "user"));
        Assert.Equal(0, Run("two\n", "set", "user"));

        Assert.True(CanLogIn("user", "two"));
        Assert.Single(CredentialFile.Load(_path).Users);
    }

    [Fact]
    public void ListPrintsOnlyNames()
    {
        Run("pencil\n", "add", "zed");
        Run("pencil\n", "add", "amy");
        _stdout.GetStringBuilder().Clear();

        int exit = Run("", "list");

        Assert.Equal(0, exit);
        Assert.Equal($"zed{Environment.NewLine}amy{Environment.NewLine}", _stdout.ToString());
    }

    [Fact]
    public void ListOfMissingFileIsEmpty()
    {
        int exit = Run("", "list");

        Assert.Equal(0, exit);
        Assert.Equal("", _stdout.ToString());
        Assert.Contains("does not exist", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ListOfDirectoryFailsWithReason()
    {
        Directory.CreateDirectory(_path);

        int exit = Run("", "list");

        Assert.Equal(74, exit);
        Assert.Equal(
            $"mupdate passwd: cannot read credential file {_path}: it is a directory, not a file{Environment.NewLine}",
            _stderr.ToString());
    }

    [Fact]
    public void IterationsOptionIsApplied()
    {
        Assert.Equal(0, Run("pencil\n", "--iterations", "5000", "add", "a"));
        Assert.Equal(0, Run("pencil\n", "set", "--iterations=6000", "b"));

        CredentialFile file = CredentialFile.Load(_path);
        Assert.Equal(5000, file.Find("a")!.Sha256!.Iterations);
        Assert.Equal(5000, file.Find("a")!.Sha1!.Iterations);
        Assert.Equal(6000, file.Find("b")!.Sha256!.Iterations);
    }

    [Fact]
    public void IterationsAboveMaximumAreRejected()
    {
        int exit = Run("pencil\n", "--iterations", "70000", "add", "a");

        Assert.Equal(64, exit);
        Assert.StartsWith(
            "mupdate passwd: invalid --iterations value \"70000\": expected a number from 4096 to 65536",
            _stderr.ToString(),
            StringComparison.Ordinal);
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public void MaximumIterationsAreAccepted()
    {
        int exit = Run("pencil\n", "--iterations", "65536", "add", "a");

        Assert.Equal(0, exit);
        Assert.Equal(65536, CredentialFile.Load(_path).Find("a")!.Sha256!.Iterations);
        Assert.Equal("", _stderr.ToString());
    }

    [Fact]
    public void UsageStatesIterationRange()
    {
        Assert.Contains("4096 to 65536", CredentialCommand.Usage, StringComparison.Ordinal);
        Assert.DoesNotContain("10000000", CredentialCommand.Usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--iterations", "4095", "add", "a")]
    [InlineData("--iterations", "65537", "add", "a")]
    [InlineData("--iterations", "10000000", "add", "a")]
    [InlineData("--iterations=abc", "add", "a")]
    [InlineData("--iterations")]
    [InlineData("--iterations", "5000", "list")]
    [InlineData("--iterations", "5000", "delete", "a")]
    [InlineData("add")]
    [InlineData("add", "a", "b")]
    [InlineData("list", "a")]
    [InlineData("rename", "a")]
    [InlineData("--verbose", "list")]
    [InlineData]
    public void BadArgumentsAreUsageErrors(params string[] args)
    {
        int exit = Run("pencil\n", args);

        Assert.Equal(64, exit);
        Assert.StartsWith("mupdate passwd: ", _stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage: mupdate passwd", _stderr.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\n", _stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public void HelpPrintsUsage()
    {
        int exit = Run("", "--help");

        Assert.Equal(0, exit);
        Assert.Equal(CredentialCommand.Usage, _stdout.ToString());
        Assert.Contains("--iterations N", CredentialCommand.Usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("two words", "whitespace")]
    [InlineData("#admin", "starts with '#'")]
    [InlineData("bell\u0007", "control character")]
    public void InvalidUserNameIsDataError(string user, string expected)
    {
        int exit = Run("pencil\n", "add", user);

        Assert.Equal(65, exit);
        Assert.Contains(expected, _stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void EmptyPasswordIsDataError(string stdin)
    {
        int exit = Run(stdin, "add", "user");

        Assert.Equal(65, exit);
        Assert.Contains("empty password", _stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public void ProhibitedPasswordIsDataError()
    {
        int exit = Run("pen\u0007cil\n", "add", "user");

        Assert.Equal(65, exit);
        Assert.Contains("invalid password: it contains a control character", _stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("cil", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SaslPreppedNameIsStored()
    {
        int exit = Run("pencil\n", "add", "I\u00ADX");

        Assert.Equal(0, exit);
        Assert.Contains("SASLprep turns the user name into \"IX\"", _stderr.ToString(), StringComparison.Ordinal);
        Assert.True(CanLogIn("IX", "pencil"));
    }

    [Fact]
    public void TerminalAsksTwice()
    {
        int exit = Run("pencil\npencil\n", stdinIsTerminal: true, "add", "user");

        Assert.Equal(0, exit);
        Assert.Contains("Password for user: ", _stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("Retype password for user: ", _stderr.ToString(), StringComparison.Ordinal);
        Assert.True(CanLogIn("user", "pencil"));
    }

    [Fact]
    public void TerminalMismatchChangesNothing()
    {
        int exit = Run("pencil\npencil2\n", stdinIsTerminal: true, "add", "user");

        Assert.Equal(65, exit);
        Assert.Contains("the passwords do not match", _stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public void PipeReadsOneLineOnly()
    {
        int exit = Run("pencil\nsecond line\n", "add", "user");

        Assert.Equal(0, exit);
        Assert.True(CanLogIn("user", "pencil"));
        Assert.DoesNotContain("Password for", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void UnsafeFileModeIsConfigError()
    {
        Run("pencil\n", "add", "user");
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        _stdout.GetStringBuilder().Clear();

        int exit = Run("", "list");

        Assert.Equal(78, exit);
        Assert.Contains($"chmod 600 {_path}", _stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal("", _stdout.ToString());
    }

    [Fact]
    public void MalformedFileIsDataError()
    {
        _directory.Write("mupdate.users", "# users\nbroken\n");

        int exit = Run("pencil\n", "add", "user");

        Assert.Equal(65, exit);
        Assert.Contains($"{_path}:2: ", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDirectoryCannotCreate()
    {
        string path = _directory.File("no/such/dir/users");

        int exit = CredentialCommand.Run(path, ["add", "user"], new StringReader("pencil\n"), _stdout, _stderr, false);

        Assert.Equal(73, exit);
        Assert.Contains($"cannot create credential file {path}", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableFileIsIOError()
    {
        Directory.CreateDirectory(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        int exit = Run("", "list");

        Assert.Equal(74, exit);
        Assert.Contains($"cannot read credential file {_path}", _stderr.ToString(), StringComparison.Ordinal);
    }

    private int Run(string stdin, params string[] args) => Run(stdin, stdinIsTerminal: false, args);

    private int Run(string stdin, bool stdinIsTerminal, params string[] args) =>
        CredentialCommand.Run(_path, args, new StringReader(stdin), _stdout, _stderr, stdinIsTerminal);

    private bool CanLogIn(string user, string password)
    {
        var server = new PlainServerMechanism(CredentialFile.Load(_path));
        byte[] message = TestCredentials.Bytes($"\0{user}\0{password}");
        return server.Evaluate(message, hasResponse: true).Kind == SaslStepKind.Succeeded;
    }
}
