using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Strangler.Proxy.Forwarding;

/// <summary>The one HTTP client the forwarder uses for both backends (pooled connections, no proxy, no cookies, no redirects).</summary>
internal sealed class ForwarderClient : IDisposable
{
    public HttpMessageInvoker Invoker { get; } = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(15),
    });

    public void Dispose() => Invoker.Dispose();
}
