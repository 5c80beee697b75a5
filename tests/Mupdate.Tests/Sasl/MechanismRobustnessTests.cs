using Mupdate.Sasl;
using static Mupdate.Tests.Sasl.TestCredentials;

namespace Mupdate.Tests.Sasl;

/// <summary>Client input must end in a SaslServerStep, never in an exception that could end a session.</summary>
public class MechanismRobustnessTests
{
    private const string ClientFirst = "n,a=admin,n=user,r=fyko+d2lbbFgONRv9qkxdawL";
    private const string ClientFinal = "c=biwsYT1hZG1pbiw=,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,x=1,"
        + "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";

    private static TestCredentials Store() =>
        new TestCredentials().Add("user", "pencil", ScramHash.Sha1, "QSXCR+Q6sek8bf92");

    private static ScramServerMechanism Server() =>
        new(ScramHash.Sha1, Store(), FakeSaltKey, "3rfcNHYJY1ZVvWVs7j");

    [Fact]
    public void ScramClientFirstPrefixesNeverThrow()
    {
        byte[] message = Bytes(ClientFirst);
        int shortestValid = ClientFirst.IndexOf(",r=", StringComparison.Ordinal) + ",r=f".Length;
        for (int length = 0; length <= message.Length; length++)
        {
            SaslServerStep step = Server().Evaluate(message.AsSpan(0, length), hasResponse: true);

            SaslStepKind expected = length >= shortestValid ? SaslStepKind.Continue : SaslStepKind.Failed;
            Assert.True(expected == step.Kind, $"prefix of {length} bytes: {step}");
        }
    }

    [Fact]
    public void ScramClientFinalPrefixesNeverThrow()
    {
        byte[] message = Bytes(ClientFinal);
        for (int length = 0; length <= message.Length; length++)
        {
            ScramServerMechanism server = Server();
            server.Evaluate(Bytes(ClientFirst), hasResponse: true);

            SaslServerStep step = server.Evaluate(message.AsSpan(0, length), hasResponse: true);

            Assert.Equal(SaslStepKind.Failed, step.Kind);
        }
    }

    [Fact]
    public void PlainPrefixesNeverThrow()
    {
        byte[] message = Bytes("admin\0user\0pencil");
        for (int length = 0; length <= message.Length; length++)
        {
            SaslServerStep step = new PlainServerMechanism(Store()).Evaluate(message.AsSpan(0, length), hasResponse: true);

            Assert.Equal(length == message.Length ? SaslStepKind.Succeeded : SaslStepKind.Failed, step.Kind);
        }
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(5802);
        for (int i = 0; i < 500; i++)
        {
            byte[] noise = new byte[random.Next(0, 64)];
            random.NextBytes(noise);

            Assert.Equal(SaslStepKind.Failed, new PlainServerMechanism(Store()).Evaluate(noise, true).Kind);
            Assert.NotEqual(SaslStepKind.Succeeded, Server().Evaluate(noise, true).Kind);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0, 0x75, 0x73, 0x65, 0x72, 0, 0xEF, 0xBF, 0xBE }, SaslFailure.InvalidCredentials)]
    [InlineData(new byte[] { 0, 0xEF, 0xBF, 0xBE, 0, 0x70 }, SaslFailure.MalformedResponse)]
    [InlineData(new byte[] { 0xEF, 0xB7, 0x90, 0, 0x75, 0, 0x70 }, SaslFailure.AuthorizationInvalid)]
    public void PlainNonCharacterFails(byte[] message, SaslFailure expected)
    {
        SaslServerStep step = new PlainServerMechanism(Store()).Evaluate(message, hasResponse: true);

        Assert.Equal(expected, step.Failure);
    }

    [Fact]
    public void ScramNonCharacterUserNameFails()
    {
        SaslServerStep step = Server().Evaluate(Bytes("n,,n=us\uFFFEer,r=abc"), hasResponse: true);

        Assert.Equal(SaslFailure.MalformedResponse, step.Failure);
        Assert.Contains("non-character", step.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScramClientServerFirstPrefixesThrowOnlySaslException()
    {
        const string ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        int shortestValid = ServerFirst.IndexOf(",i=", StringComparison.Ordinal) + ",i=4".Length;
        for (int length = 0; length <= ServerFirst.Length; length++)
        {
            var client = new ScramClientMechanism(ScramHash.Sha1, "user", "pencil", null, "fyko+d2lbbFgONRv9qkxdawL");
            client.InitialResponse();
            byte[] prefix = Bytes(ServerFirst[..length]);

            if (length >= shortestValid)
            {
                Assert.NotEmpty(client.EvaluateChallenge(prefix));
            }
            else
            {
                Assert.Throws<SaslException>(() => client.EvaluateChallenge(prefix));
            }
        }
    }
}
