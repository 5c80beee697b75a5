namespace Mupdate.Sasl;

/// <summary>
/// The credential file cannot be used: it is malformed, or its permissions let other users read or change it.
/// The message names the file, and the line for a syntax error, but never quotes a secret.
/// </summary>
public class CredentialFileException : Exception
{
    /// <summary>Creates an exception without details.</summary>
    public CredentialFileException()
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public CredentialFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> and its cause.</summary>
    public CredentialFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for <paramref name="path"/>.</summary>
    public CredentialFileException(string message, string path, int? lineNumber, bool isUnsafeMode)
        : base(message)
    {
        Path = path;
        LineNumber = lineNumber;
        IsUnsafeMode = isUnsafeMode;
    }

    /// <summary>The path of the credential file, or null if unknown.</summary>
    public string? Path { get; }

    /// <summary>The 1-based line of a syntax error, or null when the error is not about one line.</summary>
    public int? LineNumber { get; }

    /// <summary>True when the file was rejected for its permissions rather than its content.</summary>
    public bool IsUnsafeMode { get; }
}
