using System.Runtime.Versioning;
using Mupdate.Sasl;
using static Mupdate.Tests.Sasl.TestCredentials;

namespace Mupdate.Tests.Sasl;

[UnsupportedOSPlatform("windows")]
public sealed class FakeSaltKeyFileTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TempDirectory _directory = new();
    private readonly string _path;

    public FakeSaltKeyFileTests()
    {
        _path = FakeSaltKeyFile.PathFor(_directory.File("mupdate.credentials"));
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void PathIsNextToCredentialFile()
    {
        Assert.Equal(_directory.File("mupdate.credentials.saltkey"), _path);
    }

    [Fact]
    public void MissingFileLoadsAsNull()
    {
        Assert.Null(FakeSaltKeyFile.Load(_path));
    }

    [Fact]
    public void CreatedKeyLoadsAgain()
    {
        byte[] created = FakeSaltKeyFile.Create(_path);

        byte[]? loaded = FakeSaltKeyFile.Load(_path);

        Assert.Equal(FakeSaltKeyFile.KeyLength, created.Length);
        Assert.Equal(created, loaded);
        Assert.Equal(Mode0600, File.GetUnixFileMode(_path));
        Assert.Single(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void EachCreatedKeyIsRandom()
    {
        byte[] first = FakeSaltKeyFile.Create(_path);
        File.Delete(_path);

        byte[] second = FakeSaltKeyFile.Create(_path);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void CreateKeepsExistingKey()
    {
        // Two processes creating the file at once must end up with one key.
        byte[] first = FakeSaltKeyFile.Create(_path);

        byte[] second = FakeSaltKeyFile.Create(_path);

        Assert.Equal(first, second);
        Assert.Equal(first, FakeSaltKeyFile.Load(_path));
        Assert.Single(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void GroupReadableKeyIsRejected()
    {
        FakeSaltKeyFile.Create(_path);
        File.SetUnixFileMode(_path, Mode0600 | UnixFileMode.GroupRead);

        var error = Assert.Throws<CredentialFileException>(() => FakeSaltKeyFile.Load(_path));

        Assert.True(error.IsUnsafeMode);
        Assert.StartsWith(
            $"salt key file {_path} is readable or writable by group or others (mode 0640)",
            error.Message,
            StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {_path}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("not base64!\n")]
    [InlineData("AAAA\n")]
    public void InvalidKeyIsRejected(string content)
    {
        _directory.Write(Path.GetFileName(_path), content);

        var error = Assert.Throws<CredentialFileException>(() => FakeSaltKeyFile.Load(_path));

        Assert.False(error.IsUnsafeMode);
        Assert.Equal(
            $"salt key file {_path} does not contain a key of 32 bytes in base64. Delete it, and mupdate creates a new one "
            + "at its next start",
            error.Message);
    }

    [Fact]
    public void DirectoryIsRejected()
    {
        Directory.CreateDirectory(_path);

        var error = Assert.Throws<IOException>(() => FakeSaltKeyFile.Load(_path));

        Assert.Equal("it is a directory, not a file", error.Message);
    }

    [Fact]
    public void StoreKeyDecidesUnknownUserSalt()
    {
        // The salt an unknown user gets depends on the store's key only, so it is the same after a restart that
        // reads the same key file, and differs for another key.
        byte[] key = FakeSaltKeyFile.Create(_path);
        byte[] otherKey = Enumerable.Repeat((byte)7, FakeSaltKeyFile.KeyLength).ToArray();

        string beforeRestart = UnknownUserSalt(new KeyedStore(key));
        string afterRestart = UnknownUserSalt(new KeyedStore(FakeSaltKeyFile.Load(_path)));
        string withOtherKey = UnknownUserSalt(new KeyedStore(otherKey));

        Assert.Equal(beforeRestart, afterRestart);
        Assert.NotEqual(beforeRestart, withOtherKey);
    }

    [Fact]
    public void CredentialFileStoreCarriesKey()
    {
        byte[] key = FakeSaltKeyFile.Create(_path);
        var store = new CredentialFileStore(_directory.File("mupdate.credentials")) { FakeSaltKey = key };

        Assert.Same(key, store.FakeSaltKey);
        Assert.Equal(UnknownUserSalt(new KeyedStore(key)), UnknownUserSalt(store));
    }

    private static string UnknownUserSalt(ICredentialStore store)
    {
        var server = new ScramServerMechanism(ScramHash.Sha256, store);
        SaslServerStep first = server.Evaluate(Bytes("n,,n=ghost,r=abc"), hasResponse: true);
        return Text(first.Challenge).Split(',')[1];
    }

    private sealed class KeyedStore(byte[]? key) : ICredentialStore
    {
        public byte[]? FakeSaltKey => key;

        public UserCredential? Find(string userName) => null;
    }
}
