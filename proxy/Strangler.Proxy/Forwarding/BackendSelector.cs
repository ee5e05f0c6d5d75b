using Microsoft.AspNetCore.Http;
using Strangler.Proxy.Cohorts;
using Strangler.Proxy.Health;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Forwarding;

/// <summary>The strangler's routing decision for one request: stage, cohort, forced opt-in and service health.</summary>
internal sealed class BackendSelector(ServiceHealth health, CohortKeys cohorts)
{
    public BackendDecision Decide(CompiledRoute? route, HttpContext context)
    {
        if (route is null)
        {
            return BackendDecision.Legacy;
        }

        if (!IsSafe(context.Request.Method))
        {
            // Writes follow the owner, whatever the stage: one writer per resource.
            return route.Definition.Owner == WriteOwner.Service ? ToService(route, context) : BackendDecision.Legacy;
        }

        switch (route.Stage)
        {
            case Stage.Service:
                return ToService(route, context);
            case Stage.Canary:
                var weight = route.Definition.Weight;
                var toService = cohorts.ForcesService(context)
                    || weight >= 100
                    || (weight > 0 && CohortHash.InCanary(route.Id, cohorts.KeyFor(context), weight));
                return toService ? ToService(route, context) : BackendDecision.Legacy;
            case Stage.Shadow:
                if (cohorts.ForcesService(context))
                {
                    return ToService(route, context);
                }

                // An unhealthy service gets no copies: shadowing must never add load to a struggling service.
                return route.ShadowMethods.Contains(context.Request.Method) && health.PickHealthy(route.Destinations) is { } shadow
                    ? BackendDecision.Shadow(shadow)
                    : BackendDecision.Legacy;
            default:
                return BackendDecision.Legacy;
        }
    }

    private BackendDecision ToService(CompiledRoute route, HttpContext context)
    {
        if (health.PickHealthy(route.Destinations) is { } destination)
        {
            return BackendDecision.Service(destination);
        }

        return IsSafe(context.Request.Method) && route.Definition.FallbackToLegacyWhenUnhealthy ? BackendDecision.Legacy : BackendDecision.Unavailable;
    }

    public static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
}
