namespace Mupdate.Sasl;

/// <summary>
/// A SASL exchange failed on the client side: the server sent a malformed challenge, a wrong server signature or
/// an error. The message never contains a password or key.
/// </summary>
public class SaslException : Exception
{
    /// <summary>Creates an exception without a message.</summary>
    public SaslException()
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public SaslException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> and the exception that caused it.</summary>
    public SaslException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
