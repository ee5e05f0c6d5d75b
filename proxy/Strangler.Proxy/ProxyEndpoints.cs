using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Strangler.Proxy;

/// <summary>The two listeners (public and admin); their bound addresses are known once the server started.</summary>
public sealed class ProxyEndpoints
{
    internal ListenOptions? Public { get; set; }

    internal ListenOptions? Admin { get; set; }

    /// <summary>The public listener's address, e.g. http://127.0.0.1:5000.</summary>
    public Uri PublicAddress => Address(Public);

    /// <summary>The admin listener's address.</summary>
    public Uri AdminAddress => Address(Admin);

    /// <summary>The public listener's endpoint (port 0 until bound when configured so).</summary>
    internal IPEndPoint? PublicEndPoint => Public?.IPEndPoint;

    /// <summary>The admin listener's endpoint (port 0 until bound when configured so).</summary>
    internal IPEndPoint? AdminEndPoint => Admin?.IPEndPoint;

    internal static IPEndPoint Parse(string url, string key)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || !string.IsNullOrEmpty(uri.PathAndQuery.Trim('/')))
        {
            throw new InvalidOperationException($"{key} must be an http URL such as http://127.0.0.1:5000, got '{url}'.");
        }

        var address = uri.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host, out var ip) ? ip
            : throw new InvalidOperationException($"{key} must name an IP address or localhost, got '{uri.Host}'.");
        return new IPEndPoint(address, uri.Port);
    }

    private static Uri Address(ListenOptions? listen) =>
        listen?.IPEndPoint is { } endPoint
            ? new Uri($"http://{(endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endPoint.Address)}:{endPoint.Port}")
            : throw new InvalidOperationException("The proxy has not started.");
}
