using Strangler.Hosting.ServiceDefaults;
using Strangler.Proxy.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Strangler.Proxy.Forwarding;

/// <summary>
/// YARP's default transforms, plus: this proxy's Via element on the way out (loop detection, see
/// <see cref="LoopGuard"/>), and the proxy's correlation id on the response once the backend's headers are
/// copied (replacing the backend's echo, so there is exactly one). Cheaper on the hot path than a response
/// OnStarting callback per request.
/// </summary>
internal sealed class StranglerTransformer(LoopGuard loops) : HttpTransformer
{
    /// <summary>Set on a write forwarded to the service as its route's owner: the service then takes it (X-Strangler-Owner).</summary>
    public const string OwnerWriteItem = "strangler.owner-write";

    private readonly string _via = loops.ViaValue;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Headers.TryAddWithoutValidation("Via", _via);
        proxyRequest.Headers.Remove(OwnerNames.Header);
        if (!BackendSelector.IsSafe(httpContext.Request.Method) && httpContext.Items.ContainsKey(OwnerWriteItem)) // reads never touch Items
        {
            proxyRequest.Headers.TryAddWithoutValidation(OwnerNames.Header, "service");
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        httpContext.Response.Headers[CorrelationId.HeaderName] = httpContext.TraceIdentifier;
        return proceed;
    }
}
