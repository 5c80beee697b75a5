namespace Mupdate.Configuration;

/// <summary>
/// An error in the imapd.conf configuration: a syntax error, an invalid or out-of-range value, a missing
/// required option or an unreadable file. The message starts with the location (<c>file:line: </c>, or
/// <c>file: </c> when no line applies) and says how to fix the problem.
/// </summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an error about one line of a configuration file.</summary>
    /// <param name="file">The file path as it was given or included.</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="problem">What is wrong and how to fix it, without the location.</param>
    /// <param name="innerException">The error that caused this one, or null.</param>
    public ConfigurationException(string file, int line, string problem, Exception? innerException = null)
        : base($"{file}:{line}: {problem}", innerException)
    {
        File = file;
        Line = line;
    }

    /// <summary>Creates an error about a whole configuration file, with no line number.</summary>
    public ConfigurationException(string file, string problem, Exception? innerException = null)
        : base($"{file}: {problem}", innerException)
    {
        File = file;
    }

    /// <summary>The configuration file the error is about, or null when it concerns no file.</summary>
    public string? File { get; }

    /// <summary>The 1-based line number in <see cref="File"/>, or null when the error concerns the whole file.</summary>
    public int? Line { get; }
}
