namespace Mupdate.Sasl;

/// <summary>A source of SCRAM secrets by user name. Implementations are safe to call from several threads.</summary>
public interface ICredentialStore
{
    /// <summary>Returns the credential of <paramref name="userName"/>, or null if the user is unknown.</summary>
    /// <param name="userName">A SASLprep'd user name. The lookup is an exact, ordinal comparison.</param>
    UserCredential? Find(string userName);
}
