namespace Strangler.Proxy.Routing;

/// <summary>Which side served a request.</summary>
public enum Backend
{
    /// <summary>The monolith.</summary>
    Legacy,
    /// <summary>The route's service.</summary>
    Service,
}
