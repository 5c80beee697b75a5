namespace Mupdate.Sasl;

/// <summary>The hash function of a SCRAM mechanism.</summary>
public enum ScramHash
{
    /// <summary>SCRAM-SHA-1 (RFC 5802), kept because Cyrus 3.6 peers offer and choose it.</summary>
    Sha1,

    /// <summary>SCRAM-SHA-256 (RFC 7677).</summary>
    Sha256,
}
