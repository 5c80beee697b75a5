namespace Mupdate.Sasl;

/// <summary>The event data of <see cref="CredentialFileStore.Reloaded"/>.</summary>
public sealed class CredentialReloadEventArgs : EventArgs
{
    internal CredentialReloadEventArgs(string path, CredentialReloadResult result, CredentialFile current, Exception? error)
    {
        Path = path;
        Result = result;
        Current = current;
        Error = error;
    }

    /// <summary>The path of the credential file.</summary>
    public string Path { get; }

    /// <summary><see cref="CredentialReloadResult.Reloaded"/> or <see cref="CredentialReloadResult.Failed"/>.</summary>
    public CredentialReloadResult Result { get; }

    /// <summary>The content in use after the check: the new one, or the last good one after a failure.</summary>
    public CredentialFile Current { get; }

    /// <summary>Why the reload failed, or null. Its message never contains a secret.</summary>
    public Exception? Error { get; }
}
