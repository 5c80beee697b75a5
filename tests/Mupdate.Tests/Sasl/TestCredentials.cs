using System.Text;
using Mupdate.Sasl;

namespace Mupdate.Tests.Sasl;

/// <summary>An in-memory credential store and helpers shared by the SASL tests.</summary>
internal sealed class TestCredentials : ICredentialStore
{
    /// <summary>A fixed fake-salt key, so that unknown-user salts are reproducible in tests.</summary>
    public static readonly byte[] FakeSaltKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly Dictionary<string, UserCredential> _users = new(StringComparer.Ordinal);

    public List<string> Lookups { get; } = [];

    public TestCredentials Add(UserCredential credential)
    {
        _users[credential.UserName] = credential;
        return this;
    }

    /// <summary>Adds a user with a secret for <paramref name="hash"/> only, from a known salt.</summary>
    public TestCredentials Add(string user, string password, ScramHash hash, string saltBase64, int iterations = 4096)
    {
        ScramSecret secret = ScramSecret.Derive(hash, password, Convert.FromBase64String(saltBase64), iterations);
        return Add(hash == ScramHash.Sha1
            ? new UserCredential(user, secret, null)
            : new UserCredential(user, null, secret));
    }

    public UserCredential? Find(string userName)
    {
        Lookups.Add(userName);
        return _users.GetValueOrDefault(userName);
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[]? bytes) => Encoding.UTF8.GetString(bytes ?? []);
}
