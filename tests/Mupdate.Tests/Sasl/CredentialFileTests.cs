using System.Runtime.Versioning;
using Mupdate.Sasl;

namespace Mupdate.Tests.Sasl;

[UnsupportedOSPlatform("windows")]
public sealed class CredentialFileTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Syntactically valid secrets with placeholder keys, for tests that parse but never log in.
    private const string Sha1Field =
        "SCRAM-SHA-1$4096:QSXCR+Q6sek8bf92$AAAAAAAAAAAAAAAAAAAAAAAAAAA=:BBBBBBBBBBBBBBBBBBBBBBBBBBA=";
    private const string Sha256Field = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=="
        + "$CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA=:DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDA=";

    // Placeholders for malformed-line tests. "c2VjcmV0" (base64 of "secret") must never show in a message.
    private const string Salt = "c2VjcmV0c2FsdA==";
    private const string Key20 = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void SaveAndLoadRoundTrip()
    {
        string path = _directory.File("users");
        CredentialFile file = CredentialFile.CreateEmpty(path);
        UserCredential zed = UserCredential.Create("zed", "first password");
        UserCredential amy = UserCredential.Create("amy", "second password", 5000);
        file.Set(zed);
        file.Set(amy);

        file.Save();
        CredentialFile loaded = CredentialFile.Load(path);

        Assert.True(loaded.Exists);
        Assert.Equal(["zed", "amy"], loaded.Users.Select(u => u.UserName));
        AssertSameSecret(zed.Sha256!, loaded.Find("zed")!.Sha256!);
        AssertSameSecret(zed.Sha1!, loaded.Find("zed")!.Sha1!);
        AssertSameSecret(amy.Sha256!, loaded.Find("amy")!.Sha256!);
        Assert.Equal(5000, loaded.Find("amy")!.Sha1!.Iterations);
        Assert.True(loaded.Find("amy")!.Sha256!.Matches(ScramHash.Sha256, "second password"));
        Assert.Null(loaded.Find("AMY"));
    }

    [Fact]
    public void NewSecretsHaveSeparateSalts()
    {
        UserCredential credential = UserCredential.Create("user", "pencil");

        Assert.Equal(16, credential.Sha1!.Salt.Length);
        Assert.Equal(16, credential.Sha256!.Salt.Length);
        Assert.NotEqual(credential.Sha1.Salt, credential.Sha256.Salt);
        Assert.Equal(4096, credential.Sha256.Iterations);
    }

    [Fact]
    public void SavedLineHasPostgresVerifierShape()
    {
        string path = _directory.File("users");
        CredentialFile file = CredentialFile.CreateEmpty(path);
        file.Set(UserCredential.Create("user", "pencil"));
        file.Save();

        string[] lines = File.ReadAllLines(path);
        string[] fields = lines[1].Split('\t');

        Assert.StartsWith("#", lines[0], StringComparison.Ordinal);
        Assert.Equal(2, lines.Length);
        Assert.Equal(3, fields.Length);
        Assert.Equal("user", fields[0]);
        Assert.Matches(@"^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$", fields[1]);
        Assert.Matches(@"^SCRAM-SHA-1\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{27}=:[A-Za-z0-9+/]{27}=$", fields[2]);
        Assert.DoesNotContain("pencil", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void SaveWritesMode0600AndNoTempFile()
    {
        string path = _directory.Write("users", $"old\t{Sha1Field}\n");
        CredentialFile file = CredentialFile.Load(path);
        file.Set(UserCredential.Create("new", "pencil"));

        file.Save();

        Assert.Equal(Mode0600, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(_directory.Path));
        Assert.Equal(["old", "new"], CredentialFile.Load(path).Users.Select(u => u.UserName));
    }

    [Fact]
    public void SaveReplacesFileAtomically()
    {
        string path = _directory.Write("users", $"old\t{Sha1Field}\n");
        using var oldReader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        CredentialFile file = CredentialFile.Load(path);
        file.Remove("old");
        file.Set(UserCredential.Create("new", "pencil"));

        file.Save();

        // A reader that opened the file before the rename still sees the complete old content.
        Assert.Equal($"old\t{Sha1Field}\n", new StreamReader(oldReader).ReadToEnd());
        Assert.Equal(["new"], CredentialFile.Load(path).Users.Select(u => u.UserName));
    }

    [Fact]
    public void SaveIntoMissingDirectoryThrows()
    {
        CredentialFile file = CredentialFile.CreateEmpty(_directory.File("missing/users"));
        file.Set(UserCredential.Create("user", "pencil"));

        Assert.Throws<DirectoryNotFoundException>(file.Save);
        Assert.Empty(Directory.GetFileSystemEntries(_directory.Path));
    }

    [Fact]
    public void MissingFileIsEmptyStore()
    {
        CredentialFile file = CredentialFile.Load(_directory.File("absent"));

        Assert.False(file.Exists);
        Assert.Empty(file.Users);
        Assert.Null(file.Find("user"));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void GroupOrWorldAccessIsRejected(UnixFileMode extra)
    {
        string path = _directory.Write("users", $"user\t{Sha1Field}\n", Mode0600 | extra);

        var error = Assert.Throws<CredentialFileException>(() => CredentialFile.Load(path));

        Assert.True(error.IsUnsafeMode);
        Assert.Equal(path, error.Path);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mode0644MessageShowsMode()
    {
        string path = _directory.Write(
            "users", "", Mode0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<CredentialFileException>(() => CredentialFile.Load(path));

        Assert.Contains("(mode 0644)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(65536)]
    public void IterationBoundsLoad(int iterations)
    {
        string path = _directory.Write("users", $"user\tSCRAM-SHA-1${iterations}:{Salt}${Key20}:{Key20}\n");

        Assert.Equal(iterations, CredentialFile.Load(path).Find("user")!.Sha1!.Iterations);
    }

    [Fact]
    public void DirectoryIsNotReportedAsUnsafeMode()
    {
        string path = _directory.File("users");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<IOException>(() => CredentialFile.Load(path));

        Assert.Equal("it is a directory, not a file", error.Message);
    }

    [Fact]
    public void OwnerOnlyModesAreAccepted()
    {
        string path = _directory.Write("users", $"user\t{Sha1Field}\n", UnixFileMode.UserRead);

        Assert.Single(CredentialFile.Load(path).Users);
    }

    [Fact]
    public void LoadSkipsCommentsAndBlankLines()
    {
        string content = $"\uFEFF# header\r\n\r\n   \r\nalice\t{Sha256Field}\t{Sha1Field}\r\n"
            + $"#bob\t{Sha1Field}\nbob\t{Sha1Field}";
        string path = _directory.Write("users", content);

        CredentialFile file = CredentialFile.Load(path);

        Assert.Equal(["alice", "bob"], file.Users.Select(u => u.UserName));
        Assert.NotNull(file.Find("alice")!.Sha256);
        Assert.NotNull(file.Find("alice")!.Sha1);
        Assert.Null(file.Find("bob")!.Sha256);
    }

    public static TheoryData<string, int, string> MalformedFiles => new()
    {
        { $"# ok\nuser\n", 2, "missing secret" },
        { $"user {Sha1Field}\n", 1, "the user name contains whitespace" },
        { $"\tSCRAM-SHA-1$4096:c2FsdA==$a2V5:a2V5\n", 1, "the user name is empty" },
        { $"ok\t{Sha1Field}\nok\t{Sha1Field}\n", 2, "already on line 1" },
        { $"user\t{Sha1Field}\t{Sha1Field}\n", 1, "repeats the SCRAM-SHA-1 secret" },
        { $"user\t{Sha1Field}\t{Sha256Field}\textra\n", 1, "more than 3 TAB-separated fields" },
        { $"user\tSCRAM-SHA-512$4096:{Salt}$a2V5:a2V5\n", 1, "unknown mechanism" },
        { $"user\tSCRAM-SHA-1$4096:{Salt}\n", 1, "is not a SCRAM secret" },
        { $"user\tSCRAM-SHA-1$4096${Salt}$a2V5:a2V5\n", 1, "is not a SCRAM secret" },
        { $"user\tSCRAM-SHA-1$0:{Salt}${Key20}:{Key20}\n", 1, "iteration count" },
        { $"user\tSCRAM-SHA-1$1:{Salt}${Key20}:{Key20}\n", 1, "invalid iteration count, expected 4096 to 65536" },
        { $"user\tSCRAM-SHA-1$4095:{Salt}${Key20}:{Key20}\n", 1, "invalid iteration count, expected 4096 to 65536" },
        { $"user\tSCRAM-SHA-1$65537:{Salt}${Key20}:{Key20}\n", 1, "invalid iteration count, expected 4096 to 65536" },
        { $"# ok\nuser\tSCRAM-SHA-1$10000000:{Salt}${Key20}:{Key20}\n", 2, "mupdate passwd set" },
        { $"user\tSCRAM-SHA-1$99999999:{Salt}${Key20}:{Key20}\n", 1, "iteration count" },
        { $"user\tSCRAM-SHA-1$+4096:{Salt}${Key20}:{Key20}\n", 1, "iteration count" },
        { $"user\tSCRAM-SHA-1$4096:c2VjcmV0c2Fsd!==${Key20}:{Key20}\n", 1, "invalid salt" },
        { $"user\tSCRAM-SHA-1$4096:{Salt}$c2VjcmV0a2V5:{Key20}\n", 1, "StoredKey: expected 20 bytes" },
        { $"user\tSCRAM-SHA-256$4096:{Salt}${Key20}:{Key20}\n", 1, "StoredKey: expected 32 bytes" },
        { $"user\tSCRAM-SHA-1$4096:{Salt}${Key20}:c2VjcmV0a2V5\n", 1, "ServerKey: expected 20 bytes" },
        { $"I\u00ADX\t{Sha1Field}\n", 1, "not in SASLprep form" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void MalformedLineNamesFileAndLine(string content, int line, string expected)
    {
        string path = _directory.Write("users", content);

        var error = Assert.Throws<CredentialFileException>(() => CredentialFile.Load(path));

        Assert.StartsWith($"{path}:{line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(line, error.LineNumber);
        Assert.False(error.IsUnsafeMode);
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("QSXCR", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAAAAAA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8LineIsReported()
    {
        string path = _directory.File("users");
        File.WriteAllBytes(path, [.. "# ok\n"u8, 0x75, 0xFF, 0x0A]);
        File.SetUnixFileMode(path, Mode0600);

        var error = Assert.Throws<CredentialFileException>(() => CredentialFile.Load(path));

        Assert.Equal($"{path}:2: the line is not valid UTF-8", error.Message);
    }

    [Theory]
    [InlineData("#admin", "starts with '#'")]
    [InlineData("two words", "whitespace")]
    [InlineData("tab\tname", "control character")]
    [InlineData("", "empty")]
    [InlineData("\u00AD", "empty")]
    public void InvalidUserNameIsRejected(string name, string expected)
    {
        Assert.False(CredentialUserName.TryPrepare(name, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void UserNameLengthLimitIsBytes()
    {
        Assert.True(CredentialUserName.TryPrepare(new string('a', 255), out _, out _));
        Assert.False(CredentialUserName.TryPrepare(new string('a', 256), out _, out string? error));
        Assert.Contains("longer than 255 bytes", error, StringComparison.Ordinal);
        Assert.False(CredentialUserName.TryPrepare(new string('\u00E9', 128), out _, out _));
    }

    [Fact]
    public void RemoveKeepsOrderAndIndex()
    {
        CredentialFile file = CredentialFile.CreateEmpty(_directory.File("users"));
        foreach (string name in new[] { "a", "b", "c" })
        {
            file.Set(UserCredential.Create(name, "pencil"));
        }

        Assert.True(file.Remove("a"));
        Assert.False(file.Remove("a"));
        file.Set(UserCredential.Create("b", "other"));

        Assert.Equal(["b", "c"], file.Users.Select(u => u.UserName));
        Assert.Equal("c", file.Find("c")!.UserName);
        Assert.True(file.Find("b")!.Sha256!.Matches(ScramHash.Sha256, "other"));
    }

    private static void AssertSameSecret(ScramSecret expected, ScramSecret actual)
    {
        Assert.Equal(expected.Iterations, actual.Iterations);
        Assert.Equal(expected.Salt, actual.Salt);
        Assert.Equal(expected.StoredKey, actual.StoredKey);
        Assert.Equal(expected.ServerKey, actual.ServerKey);
    }
}
