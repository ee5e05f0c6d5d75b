using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Strangler.Proxy.Persistence;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Handoff;

/// <summary>Registers the write-ownership handoff: per-route write gates, the coordinator, the hold across replicas and read-your-writes.</summary>
public static class HandoffRegistration
{
    /// <summary>
    /// Binds and validates <see cref="HandoffOptions"/> (<c>Proxy:Handoff</c>) and <see cref="ReadYourWritesOptions"/>
    /// (<c>Proxy:ReadYourWrites</c>). The hold across replicas uses the route store's PostgreSQL when the store is
    /// shared, else holds this process only.
    /// </summary>
    public static IServiceCollection AddHandoff(this IServiceCollection services)
    {
        services.AddOptions<HandoffOptions>()
            .BindConfiguration(HandoffOptions.SectionName)
            .Validate(o => o.PrecheckMilliseconds >= 1 && o.DrainMilliseconds >= 1 && o.FenceMilliseconds >= 1 && o.MaxHoldMilliseconds >= 1,
                "Proxy:Handoff:PrecheckMilliseconds, DrainMilliseconds, FenceMilliseconds and MaxHoldMilliseconds must be at least 1.")
            .Validate(o => o.ReplicaLeaseMilliseconds >= 100, "Proxy:Handoff:ReplicaLeaseMilliseconds must be at least 100.")
            .Validate(o => o.PollMilliseconds >= 1, "Proxy:Handoff:PollMilliseconds must be at least 1.")
            .Validate(o => o.AnnounceOwnerMilliseconds >= 0, "Proxy:Handoff:AnnounceOwnerMilliseconds must be 0 (off) or more.")
            .ValidateOnStart();
        services.AddOptions<ReadYourWritesOptions>()
            .BindConfiguration(ReadYourWritesOptions.SectionName)
            .Validate(o => o.WindowMilliseconds >= 0, "Proxy:ReadYourWrites:WindowMilliseconds must not be negative.")
            .Validate(o => o.StatusCacheMilliseconds >= 0, "Proxy:ReadYourWrites:StatusCacheMilliseconds must not be negative.")
            .ValidateOnStart();
        services.AddSingleton<WriteGates>();
        services.AddSingleton<HandoffCoordinator>();
        services.AddSingleton<OwnerNotices>();
        services.AddHostedService(sp => sp.GetRequiredService<OwnerNotices>());
        services.AddSingleton<ReadYourWrites>();
        services.AddSingleton<IReplicaHolds>(sp => sp.GetRequiredService<IRouteStore>() is PostgresRouteStore shared
            ? ActivatorUtilities.CreateInstance<PostgresReplicaHolds>(sp, sp.GetRequiredService<NpgsqlDataSource>(), shared)
            : new LocalHolds());
        services.AddHostedService<ReplicaHoldsWorker>();
        return services;
    }
}
