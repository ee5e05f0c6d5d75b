using System.Net;
using System.Net.Sockets;

namespace Strangler.Testing;

/// <summary>Loopback ports for processes that must keep one address across restarts.</summary>
public static class Ports
{
    /// <summary>A port free on loopback right now (the OS picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
