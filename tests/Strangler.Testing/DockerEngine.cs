using System.Net.Sockets;

namespace Strangler.Testing;

/// <summary>
/// Whether a Docker engine answers here. Probed once, cheaply (a socket connect), so a machine with only
/// the docker client falls back to local binaries at once instead of waiting on Testcontainers' timeouts.
/// </summary>
public static class DockerEngine
{
    private static readonly Lazy<bool> Reachable = new(Probe);

    /// <summary>True when Testcontainers can be used. STRANGLER_TEST_DOCKER=0 forces false.</summary>
    public static bool IsReachable => Reachable.Value;

    private static bool Probe()
    {
        if (Environment.GetEnvironmentVariable("STRANGLER_TEST_DOCKER") == "0")
        {
            return false;
        }

        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        try
        {
            if (host is not null && host.StartsWith("tcp://", StringComparison.Ordinal))
            {
                var uri = new Uri(host);
                using var tcp = new TcpClient();
                return tcp.ConnectAsync(uri.Host, uri.Port).Wait(TimeSpan.FromSeconds(2)) && tcp.Connected;
            }

            var path = host is not null && host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock";
            if (!File.Exists(path))
            {
                return false;
            }

            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (Exception e) when (e is SocketException or AggregateException or UriFormatException)
        {
            return false;
        }
    }
}
