using Mupdate.Sasl;

namespace Mupdate.Tests.Sasl;

public class UserCredentialTests
{
    private static ScramSecret Secret(int keyLength) =>
        new(4096, new byte[16], new byte[keyLength], new byte[keyLength]);

    [Theory]
    [InlineData(4095)]
    [InlineData(65_537)]
    [InlineData(10_000_001)]
    [InlineData(0)]
    public void NewSecretIterationsOutOfRangeThrow(int iterations)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ScramSecret.Create(ScramHash.Sha256, "pencil", iterations));
    }

    [Fact]
    public void NewSecretAcceptsMaximumIterations()
    {
        var secret = ScramSecret.Create(ScramHash.Sha1, "pencil", 65_536);

        Assert.Equal(65_536, secret.Iterations);
        Assert.Equal(65_536, ScramSecret.MaximumIterations);
    }

    [Fact]
    public void StoredSecretAcceptsLowIterations()
    {
        var secret = new ScramSecret(1, [1], [2], [3]);

        Assert.Equal(1, secret.Iterations);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScramSecret(0, [1], [2], [3]));
        Assert.Throws<ArgumentException>(() => new ScramSecret(4096, [], [2], [3]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u00AD")]
    [InlineData("pen\u0007cil")]
    [InlineData("a\u0378b")]
    public void InvalidNewPasswordThrows(string password)
    {
        var error = Assert.Throws<ArgumentException>(() => ScramSecret.Create(ScramHash.Sha1, password));

        Assert.DoesNotContain("pen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyLengthMustMatchHash()
    {
        Assert.Throws<ArgumentException>(() => new UserCredential("user", Secret(32), null));
        Assert.Throws<ArgumentException>(() => new UserCredential("user", null, Secret(20)));
        Assert.Throws<ArgumentException>(() => new UserCredential("user", null, null));
        Assert.NotNull(new UserCredential("user", Secret(20), Secret(32)).GetSecret(ScramHash.Sha1));
    }

    [Theory]
    [InlineData("I\u00ADX")]
    [InlineData("two words")]
    [InlineData("")]
    public void ConstructorNeedsPreparedValidName(string name)
    {
        Assert.Throws<ArgumentException>(() => new UserCredential(name, Secret(20), null));
    }

    [Fact]
    public void CreatePreparesUserName()
    {
        UserCredential credential = UserCredential.Create("\u2168", "pencil");

        Assert.Equal("IX", credential.UserName);
        Assert.Equal("UserCredential(IX)", credential.ToString());
    }

    [Fact]
    public void ToStringShowsNoKeyMaterial()
    {
        var secret = new ScramSecret(4096, [0xAB, 0xCD], new byte[20], new byte[20]);

        Assert.Equal("ScramSecret(i=4096, salt 2 bytes, keys 20 bytes)", secret.ToString());
    }
}
