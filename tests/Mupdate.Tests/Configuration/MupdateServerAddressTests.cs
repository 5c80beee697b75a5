using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class MupdateServerAddressTests
{
    [Theory]
    [InlineData("mupdate.example.com", "mupdate.example.com", 3905, false, false)]
    [InlineData("mupdate.example.com:4000", "mupdate.example.com", 4000, false, false)]
    [InlineData("master/tls", "master", 3905, true, false)]
    [InlineData("master/noauth", "master", 3905, false, true)]
    [InlineData("master:1/tls/noauth", "master", 1, true, true)]
    [InlineData("master:65535/NOAUTH/Tls", "master", 65535, true, true)]
    [InlineData("192.0.2.1:3905", "192.0.2.1", 3905, false, false)]
    [InlineData("[2001:db8::1]:4000", "2001:db8::1", 4000, false, false)]
    [InlineData("[::1]", "::1", 3905, false, false)]
    [InlineData("[::1]/tls", "::1", 3905, true, false)]
    public void ValidAddressesParsed(string text, string host, int port, bool useTls, bool noAuth)
    {
        MupdateServerAddress address = MupdateServerAddress.Parse(text);

        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(useTls, address.UseTls);
        Assert.Equal(noAuth, address.NoAuth);
    }

    [Theory]
    [InlineData("", "the host name is missing")]
    [InlineData(":3905", "the host name is missing")]
    [InlineData("/tls", "the host name is missing")]
    [InlineData("host:", "'' is not a port number from 1 to 65535")]
    [InlineData("host:0", "'0' is not a port number from 1 to 65535")]
    [InlineData("host:65536", "'65536' is not a port number from 1 to 65535")]
    [InlineData("host:abc", "'abc' is not a port number from 1 to 65535")]
    [InlineData("host:+1", "'+1' is not a port number from 1 to 65535")]
    [InlineData("host:0000080", "'0000080' is not a port number from 1 to 65535")]
    [InlineData("2001:db8::1", "write an IPv6 address in brackets")]
    [InlineData("[2001:db8::1", "the '[' before the IPv6 address has no matching ']'")]
    [InlineData("[192.0.2.1]:1", "'192.0.2.1' in brackets is not an IPv6 address")]
    [InlineData("[::1]x", "only ':port' may follow the ']' of an IPv6 address")]
    [InlineData("host/foo", "unknown flag '/foo'; only /tls and /noauth may follow the host")]
    [InlineData("host/", "unknown flag '/'")]
    [InlineData("host/tls/tls", "/tls is given twice")]
    [InlineData("ho st", "the host name contains whitespace or a control character")]
    public void InvalidAddressesRejected(string text, string expectedStart)
    {
        var error = Assert.Throws<FormatException>(() => MupdateServerAddress.Parse(text));

        Assert.StartsWith(expectedStart, error.Message);
    }

    [Theory]
    [InlineData("master", "master:3905")]
    [InlineData("master:4000/noauth/tls", "master:4000/tls/noauth")]
    [InlineData("[2001:db8::1]", "[2001:db8::1]:3905")]
    public void ToStringWritesCanonicalForm(string text, string expected)
    {
        string written = MupdateServerAddress.Parse(text).ToString();

        Assert.Equal(expected, written);
        Assert.Equal(MupdateServerAddress.Parse(text), MupdateServerAddress.Parse(written));
    }
}
