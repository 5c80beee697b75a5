namespace Mupdate.Sasl;

/// <summary>A source of SCRAM secrets by user name. Implementations are safe to call from several threads.</summary>
public interface ICredentialStore
{
    /// <summary>Returns the credential of <paramref name="userName"/>, or null if the user is unknown.</summary>
    /// <param name="userName">A SASLprep'd user name. The lookup is an exact, ordinal comparison.</param>
    UserCredential? Find(string userName);

    /// <summary>
    /// The secret key from which SCRAM derives the salt it sends for an unknown user, or null (the default)
    /// for a random key that lives as long as the process. A key that survives restarts keeps those salts
    /// stable across restarts, like a real user's stored salt. Callers must not change the array.
    /// </summary>
    byte[]? FakeSaltKey => null;
}
