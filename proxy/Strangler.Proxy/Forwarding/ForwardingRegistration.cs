using Microsoft.Extensions.DependencyInjection;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Forwarding;

/// <summary>Registers the request path: YARP's forwarder, its HTTP client, the backend decision and the loop guard.</summary>
public static class ForwardingRegistration
{
    /// <summary>Adds YARP's <c>IHttpForwarder</c> and what <see cref="StranglerProxyMiddleware"/> needs around it.</summary>
    public static IServiceCollection AddForwarding(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton<ForwarderClient>();
        services.AddSingleton<BackendSelector>();
        services.AddSingleton<LoopGuard>();
        services.AddSingleton<StranglerTransformer>();
        return services;
    }
}
