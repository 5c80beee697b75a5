using Mupdate.Sasl;

namespace Mupdate.Tests.Sasl;

public class SaslMechanismsTests
{
    [Fact]
    public void SupportedNamesInPreferenceOrder()
    {
        Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"], SaslServerMechanisms.SupportedNames);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256", "SCRAM-SHA-256")]
    [InlineData("scram-sha-1", "SCRAM-SHA-1")]
    [InlineData("Plain", "PLAIN")]
    public void CreateIgnoresCase(string requested, string expected)
    {
        ISaslServerMechanism? mechanism = SaslServerMechanisms.Create(requested, new TestCredentials());

        Assert.NotNull(mechanism);
        Assert.Equal(expected, mechanism.Name);
    }

    [Theory]
    [InlineData("DIGEST-MD5")]
    [InlineData("SCRAM-SHA-256-PLUS")]
    [InlineData("")]
    public void CreateReturnsNullForUnknown(string requested)
    {
        Assert.Null(SaslServerMechanisms.Create(requested, new TestCredentials()));
    }

    [Fact]
    public void OnlyPlainIsPlaintext()
    {
        Assert.True(SaslServerMechanisms.IsPlaintext("PLAIN"));
        Assert.True(SaslServerMechanisms.IsPlaintext("plain"));
        Assert.False(SaslServerMechanisms.IsPlaintext("SCRAM-SHA-1"));
        Assert.False(SaslServerMechanisms.IsPlaintext("LOGIN"));
    }

    [Theory]
    [InlineData(new[] { "PLAIN", "SCRAM-SHA-1", "DIGEST-MD5", "CRAM-MD5" }, true, "SCRAM-SHA-1")]
    [InlineData(new[] { "PLAIN", "scram-sha-256", "SCRAM-SHA-1" }, true, "SCRAM-SHA-256")]
    [InlineData(new[] { "PLAIN" }, true, "PLAIN")]
    [InlineData(new[] { "PLAIN" }, false, null)]
    [InlineData(new[] { "GSSAPI", "DIGEST-MD5" }, true, null)]
    [InlineData(new string[0], true, null)]
    public void ClientChoosesStrongestOffered(string[] offered, bool allowPlaintext, string? expected)
    {
        ISaslClientMechanism? client = SaslClientMechanisms.Choose(offered, "mupdater", "secret", null, allowPlaintext);

        Assert.Equal(expected, SaslClientMechanisms.ChooseName(offered, allowPlaintext));
        Assert.Equal(expected, client?.Name);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("PLAIN")]
    public void ChosenClientLogsInToServer(string name)
    {
        var store = new TestCredentials().Add(UserCredential.Create("mupdater", "secret"));
        ISaslServerMechanism server = SaslServerMechanisms.Create(name, store)!;
        ISaslClientMechanism client = SaslClientMechanisms.Choose([name], "mupdater", "secret")!;

        SaslServerStep step = server.Evaluate(client.InitialResponse(), hasResponse: true);
        while (step.Kind == SaslStepKind.Continue)
        {
            step = server.Evaluate(client.EvaluateChallenge(step.Challenge), hasResponse: true);
        }

        if (step.AdditionalData is not null)
        {
            Assert.Empty(client.EvaluateChallenge(step.AdditionalData));
        }

        Assert.Equal(SaslStepKind.Succeeded, step.Kind);
        Assert.True(client.IsComplete);
        Assert.Equal(new SaslIdentity("mupdater", null), step.Identity);
    }
}
