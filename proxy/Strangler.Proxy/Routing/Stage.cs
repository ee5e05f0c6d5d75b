namespace Strangler.Proxy.Routing;

/// <summary>Where a route's traffic goes, in the order a route normally moves through them.</summary>
public enum Stage
{
    /// <summary>All traffic to the monolith.</summary>
    Legacy,

    /// <summary>The monolith answers; safe requests are mirrored to the service and the responses compared.</summary>
    Shadow,

    /// <summary>A weighted share of user cohorts is served by the service.</summary>
    Canary,

    /// <summary>All traffic to the service.</summary>
    Service,
}
