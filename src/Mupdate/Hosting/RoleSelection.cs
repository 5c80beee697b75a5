using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Mupdate.Configuration;

namespace Mupdate.Hosting;

public enum ServerRole
{
    Master,
    Slave,
}

/// <summary>Decides between master and slave from <c>-m</c>, <c>-a</c> and <c>mupdate_server</c>.</summary>
public static class RoleSelection
{
    /// <summary>
    /// Returns the role: master with <c>-m</c>; with <c>-a</c>, master when <c>mupdate_server</c>
    /// resolves to an address of this host; otherwise slave. Throws
    /// <see cref="ConfigurationException"/> when <c>-a</c> cannot decide.
    /// </summary>
    public static ServerRole Decide(CommandLine line, MupdateSettings settings, Func<string, IPAddress[]>? resolve = null)
    {
        if (line.Master)
        {
            return ServerRole.Master;
        }

        if (!line.MasterIfNamed)
        {
            return ServerRole.Slave;
        }

        if (settings.MupdateServerAddress is not { } server)
        {
            throw new ConfigurationException(settings.ConfigFile, "-a needs mupdate_server to decide whether this host is the master; set it or use -m");
        }

        IPAddress[] addresses;
        try
        {
            addresses = (resolve ?? Dns.GetHostAddresses)(server.Host);
        }
        catch (SocketException exception)
        {
            throw new ConfigurationException(settings.ConfigFile, $"-a: cannot resolve mupdate_server host '{server.Host}': {exception.Message}");
        }

        var local = LocalAddresses();
        return addresses.Any(a => local.Contains(Normalize(a))) ? ServerRole.Master : ServerRole.Slave;
    }

    /// <summary>Every unicast address of this host's interfaces, loopback included.</summary>
    public static HashSet<IPAddress> LocalAddresses()
    {
        var addresses = new HashSet<IPAddress>();
        foreach (var networkInterface in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in networkInterface.GetIPProperties().UnicastAddresses)
            {
                addresses.Add(Normalize(unicast.Address));
            }
        }

        return addresses;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
