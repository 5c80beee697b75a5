using Mupdate.Sasl;
using static Mupdate.Tests.Sasl.TestCredentials;

namespace Mupdate.Tests.Sasl;

public class ScramServerTests
{
    private const string ClientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    private const string ServerSuffix = "3rfcNHYJY1ZVvWVs7j";
    private const string Nonce = ClientNonce + ServerSuffix;
    private const string Salt = "QSXCR+Q6sek8bf92";
    private const string GoodProof = "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";

    private static ScramServerMechanism CreateServer(TestCredentials? store = null, ScramHash hash = ScramHash.Sha1) =>
        new(hash, store ?? new TestCredentials().Add("user", "pencil", ScramHash.Sha1, Salt), FakeSaltKey, ServerSuffix);

    private static SaslServerStep First(ScramServerMechanism server, string message) =>
        server.Evaluate(Bytes(message), hasResponse: true);

    private static SaslServerStep Final(ScramServerMechanism server, string message)
    {
        SaslServerStep first = First(server, $"n,,n=user,r={ClientNonce}");
        Assert.Equal(SaslStepKind.Continue, first.Kind);
        return server.Evaluate(Bytes(message), hasResponse: true);
    }

    private static void AssertFailed(SaslServerStep step, SaslFailure expected, string messagePart)
    {
        Assert.Equal(SaslStepKind.Failed, step.Kind);
        Assert.Equal(expected, step.Failure);
        Assert.Contains(messagePart, step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoInitialResponseSendsEmptyChallenge()
    {
        ScramServerMechanism server = CreateServer();

        SaslServerStep empty = server.Evaluate([], hasResponse: false);
        SaslServerStep first = First(server, $"n,,n=user,r={ClientNonce}");
        SaslServerStep final = server.Evaluate(Bytes($"c=biws,r={Nonce},{GoodProof}"), hasResponse: true);

        Assert.Equal(SaslStepKind.Continue, empty.Kind);
        Assert.Empty(empty.Challenge!);
        Assert.Equal($"r={Nonce},s={Salt},i=4096", Text(first.Challenge));
        Assert.Equal(SaslStepKind.Succeeded, final.Kind);
    }

    [Fact]
    public void WrongPasswordFailsAtProof()
    {
        var store = new TestCredentials().Add("user", "pencil2", ScramHash.Sha1, Salt);
        ScramServerMechanism server = CreateServer(store);

        SaslServerStep final = Final(server, $"c=biws,r={Nonce},{GoodProof}");

        AssertFailed(final, SaslFailure.InvalidCredentials, "invalid user name or password");
    }

    [Fact]
    public void UnknownUserLooksLikeRealOne()
    {
        var store = new TestCredentials();
        ScramServerMechanism server = CreateServer(store);

        SaslServerStep first = First(server, $"n,,n=nobody,r={ClientNonce}");
        string[] attributes = Text(first.Challenge).Split(',');
        SaslServerStep final = server.Evaluate(Bytes($"c=biws,r={Nonce},{GoodProof}"), hasResponse: true);

        Assert.Equal(SaslStepKind.Continue, first.Kind);
        Assert.Equal(3, attributes.Length);
        Assert.Equal($"r={Nonce}", attributes[0]);
        Assert.StartsWith("s=", attributes[1], StringComparison.Ordinal);
        Assert.Equal(16, Convert.FromBase64String(attributes[1][2..]).Length);
        Assert.Equal("i=4096", attributes[2]);
        Assert.Equal(["nobody"], store.Lookups);
        AssertFailed(final, SaslFailure.InvalidCredentials, "invalid user name or password");
    }

    [Fact]
    public void UnknownUserGetsSameFailureAsWrongPassword()
    {
        var store = new TestCredentials().Add("user", "other", ScramHash.Sha1, Salt);
        SaslServerStep wrongPassword = Final(CreateServer(store), $"c=biws,r={Nonce},{GoodProof}");

        ScramServerMechanism unknownServer = CreateServer(new TestCredentials());
        SaslServerStep unknown = Final(unknownServer, $"c=biws,r={Nonce},{GoodProof}");

        Assert.Equal(wrongPassword.Failure, unknown.Failure);
        Assert.Equal(wrongPassword.Message, unknown.Message);
    }

    [Fact]
    public void FakeSaltIsStablePerUser()
    {
        string SaltOf(string user) =>
            Text(First(CreateServer(new TestCredentials()), $"n,,n={user},r=abc").Challenge).Split(',')[1];

        Assert.Equal(SaltOf("ghost"), SaltOf("ghost"));
        Assert.NotEqual(SaltOf("ghost"), SaltOf("phantom"));
    }

    [Fact]
    public void UserWithoutSecretForHashIsUnknown()
    {
        var store = new TestCredentials().Add("user", "pencil", ScramHash.Sha1, Salt);
        var server = new ScramServerMechanism(ScramHash.Sha256, store, FakeSaltKey, ServerSuffix);

        SaslServerStep first = First(server, $"n,,n=user,r={ClientNonce}");

        Assert.Equal(SaslStepKind.Continue, first.Kind);
        Assert.DoesNotContain($"s={Salt}", Text(first.Challenge), StringComparison.Ordinal);
    }

    [Fact]
    public void TamperedNonceFails()
    {
        SaslServerStep final = Final(CreateServer(), $"c=biws,r={ClientNonce}XXXX,{GoodProof}");

        AssertFailed(final, SaslFailure.MalformedResponse, "nonce (r=) is not the nonce of this exchange");
    }

    [Theory]
    [InlineData("c=eSws", "does not match the GS2 header")]
    [InlineData("c=bixhPXVzZXIs", "does not match the GS2 header")]
    [InlineData("c=biws!", "not valid base64")]
    [InlineData("c=bi ws", "not valid base64")]
    public void WrongChannelBindingFails(string channelBinding, string expected)
    {
        SaslServerStep final = Final(CreateServer(), $"{channelBinding},r={Nonce},{GoodProof}");

        AssertFailed(final, SaslFailure.MalformedResponse, expected);
    }

    [Theory]
    [InlineData("c=biws,r=" + Nonce, "missing proof")]
    [InlineData("c=biws,r=" + Nonce + ",p=", "proof (p=) must be 20 bytes")]
    [InlineData("c=biws,r=" + Nonce + ",p=AAAA", "proof (p=) must be 20 bytes")]
    [InlineData("c=biws,r=" + Nonce + "," + GoodProof + ",x=1", "missing proof")]
    [InlineData("c=biws,r=" + Nonce + ",,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "attribute 3 is not of the form")]
    [InlineData("r=" + Nonce + "," + GoodProof, "missing channel binding")]
    [InlineData("c=biws," + GoodProof, "missing nonce")]
    [InlineData("", "missing channel binding")]
    public void MalformedClientFinalFails(string message, string expected)
    {
        SaslServerStep final = Final(CreateServer(), message);

        AssertFailed(final, SaslFailure.MalformedResponse, expected);
    }

    [Fact]
    public void ClientFinalExtensionIsIgnored()
    {
        var store = new TestCredentials().Add(UserCredential.Create("user", "pencil"));
        var server = new ScramServerMechanism(ScramHash.Sha256, store, FakeSaltKey, ServerSuffix);
        var client = new ScramClientMechanism(ScramHash.Sha256, "user", "pencil", null, ClientNonce);
        SaslServerStep first = server.Evaluate(client.InitialResponse(), hasResponse: true);
        string clientFinal = Text(client.EvaluateChallenge(first.Challenge));
        int proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);

        // An extension changes AuthMessage, so the proof no longer matches although the syntax is valid.
        string withExtension = clientFinal[..proofAt] + ",x=ext" + clientFinal[proofAt..];
        SaslServerStep final = server.Evaluate(Bytes(withExtension), hasResponse: true);

        AssertFailed(final, SaslFailure.InvalidCredentials, "invalid user name or password");
    }

    [Fact]
    public void ChannelBindingRequestIsUnsupported()
    {
        SaslServerStep first = First(CreateServer(), $"p=tls-unique,,n=user,r={ClientNonce}");

        AssertFailed(first, SaslFailure.UnsupportedFeature, "channel binding (p=) is not supported");
    }

    [Fact]
    public void FlagYIsAcceptedAndBound()
    {
        ScramServerMechanism server = CreateServer();
        SaslServerStep first = First(server, $"y,,n=user,r={ClientNonce}");

        // c= must carry "y,," now, so the RFC example proof for "n,," fails the channel-binding check.
        SaslServerStep final = server.Evaluate(Bytes($"c=biws,r={Nonce},{GoodProof}"), hasResponse: true);

        Assert.Equal(SaslStepKind.Continue, first.Kind);
        AssertFailed(final, SaslFailure.MalformedResponse, "does not match the GS2 header");
    }

    [Fact]
    public void MandatoryExtensionIsUnsupported()
    {
        SaslServerStep first = First(CreateServer(), $"n,,m=ext,n=user,r={ClientNonce}");

        AssertFailed(first, SaslFailure.UnsupportedFeature, "mandatory extensions (m=)");
    }

    [Theory]
    [InlineData("", "must start with n, y or p=")]
    [InlineData("x,,n=user,r=abc", "must start with n, y or p=")]
    [InlineData("n", "must start with n, y or p=")]
    [InlineData("n,n=user,r=abc", "must be empty or a=")]
    [InlineData("n,,r=abc", "missing user name")]
    [InlineData("n,,n=,r=abc", "invalid user name")]
    [InlineData("n,,n=user", "missing nonce")]
    [InlineData("n,,n=user,r=", "the nonce must be 1 to 512")]
    [InlineData("n,,n=user,r=a b", "the nonce must be 1 to 512")]
    [InlineData("n,,n=user,r=abc,bad", "attribute 3 is not of the form")]
    [InlineData("n,,n=us\u0007er,r=abc", "the user name contains a control character")]
    public void MalformedClientFirstFails(string message, string expected)
    {
        AssertFailed(First(CreateServer(), message), SaslFailure.MalformedResponse, expected);
    }

    [Fact]
    public void ClientFirstWithNulOrBadUtf8Fails()
    {
        AssertFailed(
            CreateServer().Evaluate("n,,n=us\0er,r=abc"u8, hasResponse: true),
            SaslFailure.MalformedResponse,
            "not valid UTF-8 or contains NUL");
        AssertFailed(
            CreateServer().Evaluate([(byte)'n', (byte)',', (byte)',', 0xC3, 0x28], hasResponse: true),
            SaslFailure.MalformedResponse,
            "not valid UTF-8 or contains NUL");
    }

    [Fact]
    public void OverlongClientFirstFails()
    {
        string message = $"n,,n=user,r={new string('a', 5000)}";

        AssertFailed(First(CreateServer(), message), SaslFailure.MalformedResponse, "longer than 4096 bytes");
    }

    [Fact]
    public void ExtensionInClientFirstIsIgnored()
    {
        SaslServerStep first = First(CreateServer(), $"n,,n=user,r={ClientNonce},x=anything");

        Assert.Equal(SaslStepKind.Continue, first.Kind);
    }

    [Theory]
    [InlineData("us=2Cer", "us,er")]
    [InlineData("us=3Der", "us=er")]
    [InlineData("=2C=3D", ",=")]
    public void EscapedUserNameIsDecoded(string encoded, string expected)
    {
        var store = new TestCredentials();
        First(CreateServer(store), $"n,,n={encoded},r=abc");

        Assert.Equal([expected], store.Lookups);
    }

    [Theory]
    [InlineData("us=er")]
    [InlineData("user=")]
    [InlineData("user=2")]
    [InlineData("us=2cer")]
    [InlineData("us=41er")]
    public void InvalidUserNameEscapeFails(string encoded)
    {
        var store = new TestCredentials();

        SaslServerStep first = First(CreateServer(store), $"n,,n={encoded},r=abc");

        AssertFailed(first, SaslFailure.MalformedResponse, "does not start =2C or =3D");
        Assert.Empty(store.Lookups);
    }

    [Fact]
    public void UserNameIsSaslPrepped()
    {
        var store = new TestCredentials();

        First(CreateServer(store), "n,,n=I\u00ADX,r=abc");
        First(CreateServer(store), "n,,n=\u2168,r=abc");

        Assert.Equal(["IX", "IX"], store.Lookups);
    }

    [Theory]
    [InlineData("admin", "n,a=admin,", "admin")]
    [InlineData("ad,min", "n,a=ad=2Cmin,", "ad,min")]
    [InlineData("user", "n,,", null)]
    [InlineData(null, "n,,", null)]
    public void AuthorizationIdIsReported(string? requested, string expectedHeader, string? expected)
    {
        var store = new TestCredentials().Add(UserCredential.Create("user", "pencil"));
        var server = new ScramServerMechanism(ScramHash.Sha256, store, FakeSaltKey, ServerSuffix);
        var client = new ScramClientMechanism(ScramHash.Sha256, "user", "pencil", requested, ClientNonce);

        byte[] clientFirst = client.InitialResponse()!;
        SaslServerStep first = server.Evaluate(clientFirst, hasResponse: true);
        SaslServerStep final = server.Evaluate(client.EvaluateChallenge(first.Challenge), hasResponse: true);

        Assert.StartsWith(expectedHeader + "n=user,", Text(clientFirst), StringComparison.Ordinal);
        Assert.Equal(SaslStepKind.Succeeded, final.Kind);
        Assert.Equal(new SaslIdentity("user", expected), final.Identity);
    }

    [Theory]
    [InlineData("n,a=,n=user,r=abc")]
    [InlineData("n,a=ad=min,n=user,r=abc")]
    [InlineData("n,a=ad\u0001min,n=user,r=abc")]
    public void InvalidAuthorizationIdFails(string message)
    {
        AssertFailed(First(CreateServer(), message), SaslFailure.AuthorizationInvalid, "authorization identity (a=)");
    }

    [Fact]
    public void EvaluateAfterFinishThrows()
    {
        ScramServerMechanism server = CreateServer();
        First(server, "garbage");

        Assert.Throws<InvalidOperationException>(() => server.Evaluate([], hasResponse: true));
    }

    [Fact]
    public void FailureMessagesContainNoProof()
    {
        var store = new TestCredentials().Add("user", "other", ScramHash.Sha1, Salt);
        SaslServerStep final = Final(CreateServer(store), $"c=biws,r={Nonce},{GoodProof}");

        Assert.DoesNotContain("v0X8v3Bz2T0CJGbJQyF0X", final.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pencil", final.Message, StringComparison.Ordinal);
    }
}
