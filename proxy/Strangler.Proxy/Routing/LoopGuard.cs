using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Strangler.Proxy.Routing;

/// <summary>
/// Keeps the proxy from forwarding to itself. A destination that resolves to one of its own listeners is
/// refused when a route is changed; and every forwarded request carries <c>Via: 1.1 {Proxy:Name}</c>
/// (RFC 9110 §7.6.3), so a request that comes back anyway (a DNS name, a load balancer in between) is
/// answered 508 at once instead of fanning out until sockets run out.
/// </summary>
internal sealed class LoopGuard(ProxyEndpoints endpoints, IOptions<ProxyOptions> options)
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);
    private readonly string _name = options.Value.Name;

    /// <summary>The Via element this proxy adds to what it forwards.</summary>
    public string ViaValue { get; } = "1.1 " + options.Value.Name;

    /// <summary>True when a Via element of the request names this proxy (its replicas share the name).</summary>
    public bool AlreadyPassed(StringValues via)
    {
        foreach (var header in via)
        {
            foreach (var element in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // received-protocol SP received-by [ SP comment ]
                var parts = element.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && parts[1].Equals(_name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Why <paramref name="url"/> would send traffic back into this proxy, or null when it would not.</summary>
    public async Task<string?> PointsAtSelfAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var listeners = new List<(string Name, IPEndPoint EndPoint)>();
        foreach (var (name, endPoint) in new[] { ("public", endpoints.PublicEndPoint), ("admin", endpoints.AdminEndPoint) })
        {
            if (endPoint is { Port: > 0 } && endPoint.Port == uri.Port)
            {
                listeners.Add((name, endPoint));
            }
        }

        if (listeners.Count == 0)
        {
            return null;
        }

        foreach (var address in await ResolveAsync(uri, cancellationToken))
        {
            foreach (var (name, endPoint) in listeners)
            {
                if (Reaches(address, endPoint.Address))
                {
                    return $"'{url}' points at this proxy's own {name} listener ({endPoint}): requests would loop back into the proxy.";
                }
            }
        }

        return null;
    }

    private static bool Reaches(IPAddress destination, IPAddress listener)
    {
        if (destination.IsIPv4MappedToIPv6)
        {
            destination = destination.MapToIPv4();
        }

        // Connecting to the unspecified address reaches the local host's loopback.
        var loopback = IPAddress.IsLoopback(destination) || destination.Equals(IPAddress.Any) || destination.Equals(IPAddress.IPv6Any);
        if (listener.Equals(IPAddress.Any) || listener.Equals(IPAddress.IPv6Any))
        {
            return loopback || IsLocalAddress(destination);
        }

        return destination.Equals(listener) || (IPAddress.IsLoopback(listener) && loopback);
    }

    private static bool IsLocalAddress(IPAddress address)
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Any(u => u.Address.Equals(address));
        }
        catch (NetworkInformationException)
        {
            return false;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(uri.DnsSafeHost, out var literal))
        {
            return [literal];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            return await Dns.GetHostAddressesAsync(uri.DnsSafeHost, timeout.Token);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A name that does not resolve now cannot be judged; the Via check still stops a loop at run time.
            return [];
        }
    }
}
