namespace Mupdate.Sasl;

/// <summary>The outcome of one check of the credential file by <see cref="CredentialFileStore"/>.</summary>
public enum CredentialReloadResult
{
    /// <summary>The file's modification time and length are as before, or the check interval has not passed.</summary>
    Unchanged,

    /// <summary>The file changed and the new content is now in use.</summary>
    Reloaded,

    /// <summary>The file changed but cannot be loaded, so the last good content stays in use.</summary>
    Failed,
}
