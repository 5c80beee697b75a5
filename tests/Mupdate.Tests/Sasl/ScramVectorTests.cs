using Mupdate.Sasl;
using static Mupdate.Tests.Sasl.TestCredentials;

namespace Mupdate.Tests.Sasl;

/// <summary>
/// Published SCRAM examples and a capture of a Cyrus 3.6.1 slave, replayed byte for byte against both sides.
/// </summary>
public class ScramVectorTests
{
    public static TheoryData<string, ScramHash, string, string, string, string, string, string, string> Vectors => new()
    {
        {
            "RFC 5802 section 5", ScramHash.Sha1, "user", "pencil", "QSXCR+Q6sek8bf92",
            "fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j",
            "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
        },
        {
            "RFC 7677 section 3", ScramHash.Sha256, "user", "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==",
            "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        },
        {
            "Cyrus 3.6.1 slave", ScramHash.Sha1, "mupdater", "secret", "0KE9nDBZYx/BWf1yQxYTtCkATV0=",
            "jnISTN+YghZXumHBUokH7gwI+b6yWBxV", "RxDmmBA1iPRyzUA6JHuQiqs36ooaq0B/",
            "p=tq8xiO3Nor9LwwQ9u8TAprIjlYw=", "v=5e16Vaw1C2M3cinXxXZ3mdjFlQA="
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ServerReproducesExample(
        string source, ScramHash hash, string user, string password, string salt,
        string clientNonce, string serverSuffix, string proof, string verifier)
    {
        var store = new TestCredentials().Add(user, password, hash, salt);
        var server = new ScramServerMechanism(hash, store, FakeSaltKey, serverSuffix);
        string nonce = clientNonce + serverSuffix;

        SaslServerStep first = server.Evaluate(Bytes($"n,,n={user},r={clientNonce}"), hasResponse: true);
        Assert.Equal(SaslStepKind.Continue, first.Kind);
        Assert.Equal($"r={nonce},s={salt},i=4096", Text(first.Challenge));

        SaslServerStep final = server.Evaluate(Bytes($"c=biws,r={nonce},{proof}"), hasResponse: true);
        Assert.True(final.Kind == SaslStepKind.Succeeded, $"{source}: {final}");
        Assert.Equal(verifier, Text(final.AdditionalData));
        Assert.Equal(new SaslIdentity(user, null), final.Identity);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ClientReproducesExample(
        string source, ScramHash hash, string user, string password, string salt,
        string clientNonce, string serverSuffix, string proof, string verifier)
    {
        var client = new ScramClientMechanism(hash, user, password, null, clientNonce);
        string nonce = clientNonce + serverSuffix;

        Assert.Equal($"n,,n={user},r={clientNonce}", Text(client.InitialResponse()));
        Assert.False(client.IsComplete);

        byte[] clientFinal = client.EvaluateChallenge(Bytes($"r={nonce},s={salt},i=4096"));
        Assert.Equal($"c=biws,r={nonce},{proof}", Text(clientFinal));
        Assert.False(client.IsComplete);

        byte[] last = client.EvaluateChallenge(Bytes(verifier));
        Assert.Empty(last);
        Assert.True(client.IsComplete, source);
    }

    [Theory]
    [InlineData(ScramHash.Sha1, "user", "pencil", "QSXCR+Q6sek8bf92")]
    [InlineData(ScramHash.Sha256, "user", "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==")]
    public void SecretMatchesPasswordOnly(ScramHash hash, string user, string password, string salt)
    {
        ScramSecret secret = ScramSecret.Derive(hash, password, Convert.FromBase64String(salt), 4096);

        Assert.True(secret.Matches(hash, password), user);
        Assert.False(secret.Matches(hash, "pencil2"));
        Assert.Equal(hash == ScramHash.Sha1 ? 20 : 32, secret.StoredKey.Length);
    }

    [Theory]
    [InlineData(ScramHash.Sha1)]
    [InlineData(ScramHash.Sha256)]
    public void ClientAndServerAgreeWithRandomNonces(ScramHash hash)
    {
        var store = new TestCredentials().Add(UserCredential.Create("mupdater", "s3cret, with=comma"));
        var server = new ScramServerMechanism(hash, store);
        var client = new ScramClientMechanism(hash, "mupdater", "s3cret, with=comma");

        SaslServerStep first = server.Evaluate(client.InitialResponse(), hasResponse: true);
        SaslServerStep final = server.Evaluate(client.EvaluateChallenge(first.Challenge), hasResponse: true);
        byte[] last = client.EvaluateChallenge(final.AdditionalData);

        Assert.Equal(SaslStepKind.Succeeded, final.Kind);
        Assert.Empty(last);
        Assert.True(client.IsComplete);
        Assert.Equal("mupdater", final.Identity!.AuthenticationId);
    }
}
