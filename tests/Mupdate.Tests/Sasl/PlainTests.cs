using Mupdate.Sasl;
using static Mupdate.Tests.Sasl.TestCredentials;

namespace Mupdate.Tests.Sasl;

public class PlainTests
{
    private static TestCredentials Store() => new TestCredentials()
        .Add(UserCredential.Create("tim", "tanstaaftanstaaf"))
        .Add(UserCredential.Create("Kurt", "xipj3plmq"))
        .Add("sha1only", "pencil", ScramHash.Sha1, "QSXCR+Q6sek8bf92");

    private static SaslServerStep Evaluate(byte[] message, ICredentialStore? store = null) =>
        new PlainServerMechanism(store ?? Store()).Evaluate(message, hasResponse: true);

    private static SaslServerStep Evaluate(string message, ICredentialStore? store = null) =>
        Evaluate(Bytes(message), store);

    [Fact]
    public void Rfc4616ExampleWithoutAuthzid()
    {
        SaslServerStep step = Evaluate("\0tim\0tanstaaftanstaaf");

        Assert.Equal(SaslStepKind.Succeeded, step.Kind);
        Assert.Equal(new SaslIdentity("tim", null), step.Identity);
        Assert.Null(step.AdditionalData);
    }

    [Fact]
    public void Rfc4616ExampleWithAuthzid()
    {
        SaslServerStep step = Evaluate("Ursel\0Kurt\0xipj3plmq");

        Assert.Equal(SaslStepKind.Succeeded, step.Kind);
        Assert.Equal(new SaslIdentity("Kurt", "Ursel"), step.Identity);
    }

    [Fact]
    public void AuthzidEqualToAuthcidIsNone()
    {
        SaslServerStep step = Evaluate("tim\0tim\0tanstaaftanstaaf");

        Assert.Equal(new SaslIdentity("tim", null), step.Identity);
    }

    [Fact]
    public void Sha1OnlyUserVerifies()
    {
        Assert.Equal(SaslStepKind.Succeeded, Evaluate("\0sha1only\0pencil").Kind);
        Assert.Equal(SaslFailure.InvalidCredentials, Evaluate("\0sha1only\0pencil2").Failure);
    }

    [Fact]
    public void WrongPasswordAndUnknownUserFailAlike()
    {
        SaslServerStep wrong = Evaluate("\0tim\0wrong");
        SaslServerStep unknown = Evaluate("\0nobody\0tanstaaftanstaaf");

        Assert.Equal(SaslFailure.InvalidCredentials, wrong.Failure);
        Assert.Equal(SaslFailure.InvalidCredentials, unknown.Failure);
        Assert.Equal(wrong.Message, unknown.Message);
        Assert.Equal("authentication failed: invalid user name or password", wrong.Message);
    }

    [Fact]
    public void NoInitialResponseSendsEmptyChallenge()
    {
        var server = new PlainServerMechanism(Store());

        SaslServerStep empty = server.Evaluate([], hasResponse: false);
        SaslServerStep final = server.Evaluate(Bytes("\0tim\0tanstaaftanstaaf"), hasResponse: true);

        Assert.Equal(SaslStepKind.Continue, empty.Kind);
        Assert.Empty(empty.Challenge!);
        Assert.Equal(SaslStepKind.Succeeded, final.Kind);
        Assert.Throws<InvalidOperationException>(() => server.Evaluate([], hasResponse: true));
    }

    [Theory]
    [InlineData("", "two NUL bytes")]
    [InlineData("tim", "two NUL bytes")]
    [InlineData("\0tim", "two NUL bytes")]
    [InlineData("\0tim\0pass\0", "more than two NUL bytes")]
    [InlineData("\0tim\0pa\0ss", "more than two NUL bytes")]
    [InlineData("a\0b\0c\0d", "more than two NUL bytes")]
    [InlineData("\0\0", "authentication identity is empty")]
    [InlineData("\0\0pass", "authentication identity is empty")]
    [InlineData("admin\0\0pass", "authentication identity is empty")]
    [InlineData("\0tim\0", "password is empty")]
    [InlineData("admin\0tim\0", "password is empty")]
    [InlineData("\0ti\u0007m\0pass", "contains a control character")]
    public void MalformedMessageFails(string message, string expected)
    {
        SaslServerStep step = Evaluate(message);

        Assert.Equal(SaslFailure.MalformedResponse, step.Failure);
        Assert.Contains(expected, step.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0xC3, 0x28, 0, 0x70 }, SaslFailure.MalformedResponse, "identity is not valid UTF-8")]
    [InlineData(new byte[] { 0, 0x74, 0, 0xFF }, SaslFailure.MalformedResponse, "password is not valid UTF-8")]
    [InlineData(new byte[] { 0xE2, 0x82, 0, 0x74, 0, 0x70 }, SaslFailure.AuthorizationInvalid, "valid UTF-8")]
    [InlineData(new byte[] { 0, 0xED, 0xA0, 0x80, 0, 0x70 }, SaslFailure.MalformedResponse, "identity is not valid UTF-8")]
    public void InvalidUtf8Fails(byte[] message, SaslFailure expected, string messagePart)
    {
        SaslServerStep step = Evaluate(message);

        Assert.Equal(expected, step.Failure);
        Assert.Contains(messagePart, step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlongFieldsFail()
    {
        string longName = new('a', 256);
        string longPassword = new('p', 1025);

        Assert.Equal(SaslFailure.AuthorizationInvalid, Evaluate($"{longName}\0tim\0pass").Failure);
        Assert.Contains("longer than 255 bytes", Evaluate($"\0{longName}\0pass").Message, StringComparison.Ordinal);
        Assert.Contains("longer than 1024 bytes", Evaluate($"\0tim\0{longPassword}").Message, StringComparison.Ordinal);
        string maximal = $"\0{new string('a', 255)}\0{new string('p', 1024)}";
        Assert.Equal(SaslFailure.InvalidCredentials, Evaluate(maximal).Failure);
    }

    [Fact]
    public void PasswordIsSaslPrepped()
    {
        var store = new TestCredentials().Add(UserCredential.Create("user", "I\u00ADX"));

        Assert.Equal(SaslStepKind.Succeeded, Evaluate("\0user\0IX", store).Kind);
        Assert.Equal(SaslStepKind.Succeeded, Evaluate("\0user\0\u2168", store).Kind);
        Assert.Equal(SaslFailure.InvalidCredentials, Evaluate("\0user\0ix", store).Failure);
    }

    [Fact]
    public void ProhibitedPasswordFailsAsInvalidCredentials()
    {
        SaslServerStep step = Evaluate("\0tim\0tanstaaf\u0007tanstaaf");

        Assert.Equal(SaslFailure.InvalidCredentials, step.Failure);
    }

    [Fact]
    public void ClientBuildsRfc4616Message()
    {
        var withAuthzid = new PlainClientMechanism("Kurt", "xipj3plmq", "Ursel");
        var withoutAuthzid = new PlainClientMechanism("tim", "tanstaaftanstaaf");

        Assert.Equal("Ursel\0Kurt\0xipj3plmq", Text(withAuthzid.InitialResponse()));
        Assert.True(withAuthzid.IsComplete);
        Assert.Equal("\0tim\0tanstaaftanstaaf", Text(withoutAuthzid.InitialResponse()));
    }

    [Fact]
    public void ClientAnswersEmptyChallengeOnce()
    {
        var client = new PlainClientMechanism("tim", "tanstaaftanstaaf");

        Assert.Equal("\0tim\0tanstaaftanstaaf", Text(client.EvaluateChallenge([])));
        Assert.True(client.IsComplete);
        Assert.Throws<SaslException>(() => client.EvaluateChallenge([]));
        Assert.Throws<SaslException>(() => new PlainClientMechanism("tim", "x").EvaluateChallenge("x"u8));
    }

    [Fact]
    public void ClientRejectsNul()
    {
        Assert.Throws<ArgumentException>(() => new PlainClientMechanism("t\0im", "pass"));
        Assert.Throws<ArgumentException>(() => new PlainClientMechanism("tim", ""));
    }

    [Fact]
    public void ClientAndServerAgree()
    {
        var client = new PlainClientMechanism("Kurt", "xipj3plmq");

        SaslServerStep step = Evaluate(client.InitialResponse()!);

        Assert.Equal(SaslStepKind.Succeeded, step.Kind);
    }
}
