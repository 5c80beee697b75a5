using Mupdate.Sasl;
using static Mupdate.Tests.Sasl.TestCredentials;

namespace Mupdate.Tests.Sasl;

public class ScramClientTests
{
    private const string ClientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    private const string ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";

    private static ScramClientMechanism CreateClient() => new(ScramHash.Sha1, "user", "pencil", null, ClientNonce);

    private static ScramClientMechanism AfterServerFirst()
    {
        ScramClientMechanism client = CreateClient();
        client.InitialResponse();
        client.EvaluateChallenge(Bytes(ServerFirst));
        return client;
    }

    [Fact]
    public void WrongServerSignatureThrows()
    {
        ScramClientMechanism client = AfterServerFirst();

        var error = Assert.Throws<SaslException>(() => client.EvaluateChallenge(Bytes("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=")));

        Assert.Contains("server signature is wrong", error.Message, StringComparison.Ordinal);
        Assert.False(client.IsComplete);
    }

    [Fact]
    public void ServerErrorIsReported()
    {
        ScramClientMechanism client = AfterServerFirst();

        var error = Assert.Throws<SaslException>(() => client.EvaluateChallenge(Bytes("e=invalid-proof")));

        Assert.Contains("invalid-proof", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("m=ext,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", "mandatory extension")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", "does not extend the client nonce")]
    [InlineData("r=other+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", "does not extend the client nonce")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=,i=4096", "salt is empty")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf9,i=4096", "not valid base64")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=0", "iteration count")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=-1", "iteration count")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=10000001", "iteration count")]
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096", "expected r=nonce,s=salt,i=iterations")]
    [InlineData("", "expected r=nonce,s=salt,i=iterations")]
    public void MalformedServerFirstThrows(string serverFirst, string expected)
    {
        ScramClientMechanism client = CreateClient();
        client.InitialResponse();

        var error = Assert.Throws<SaslException>(() => client.EvaluateChallenge(Bytes(serverFirst)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFirstChallengeGetsClientFirst()
    {
        ScramClientMechanism client = CreateClient();

        byte[] response = client.EvaluateChallenge([]);

        Assert.Equal($"n,,n=user,r={ClientNonce}", Text(response));
    }

    [Fact]
    public void ChallengeAfterCompletionThrows()
    {
        ScramClientMechanism client = AfterServerFirst();
        client.EvaluateChallenge(Bytes("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));

        Assert.True(client.IsComplete);
        Assert.Throws<SaslException>(() => client.EvaluateChallenge([]));
    }

    [Fact]
    public void UserNameIsEscapedAndPrepped()
    {
        var client = new ScramClientMechanism(ScramHash.Sha256, "a,b=c\u00AD", "pencil", null, "nonce");

        Assert.Equal("n,,n=a=2Cb=3Dc,r=nonce", Text(client.InitialResponse()));
    }

    [Fact]
    public void ProhibitedPasswordIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new ScramClientMechanism(ScramHash.Sha256, "user", "pen\u0007cil"));
    }

    [Fact]
    public void RandomNoncesDiffer()
    {
        string first = Text(new ScramClientMechanism(ScramHash.Sha256, "user", "pencil").InitialResponse());
        string second = Text(new ScramClientMechanism(ScramHash.Sha256, "user", "pencil").InitialResponse());

        Assert.NotEqual(first, second);
        Assert.Equal(32, first.Split(",r=")[1].Length);
    }
}
