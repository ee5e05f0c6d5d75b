using Microsoft.Extensions.DependencyInjection;

namespace Strangler.Proxy.Routing;

/// <summary>Registers the live route table, its one writer and the watcher that installs other replicas' changes.</summary>
public static class RoutingRegistration
{
    /// <summary>The route table (<see cref="RouteTableHolder"/>), <see cref="RouteChangeService"/> and <see cref="RouteTableSync"/>.</summary>
    public static IServiceCollection AddRouteTable(this IServiceCollection services)
    {
        services.AddSingleton<RouteTableHolder>();
        services.AddSingleton<RouteChangeService>();
        services.AddHostedService<RouteTableSync>();
        return services;
    }
}
