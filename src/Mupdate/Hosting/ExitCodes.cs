namespace Mupdate.Hosting;

/// <summary>Exit statuses, from BSD sysexits.h as Cyrus uses them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>EX_USAGE: the command line is invalid.</summary>
    public const int Usage = 64;

    /// <summary>EX_UNAVAILABLE: a listener could not be opened (address in use, say).</summary>
    public const int Unavailable = 69;

    /// <summary>EX_SOFTWARE: an internal error.</summary>
    public const int Software = 70;

    /// <summary>EX_IOERR: the database could not be opened or written.</summary>
    public const int IoError = 74;

    /// <summary>EX_CONFIG: the configuration is invalid.</summary>
    public const int Config = 78;
}
