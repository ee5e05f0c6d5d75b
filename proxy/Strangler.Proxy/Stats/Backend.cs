namespace Strangler.Proxy.Stats;

/// <summary>Which side served a request.</summary>
public enum Backend
{
    Legacy,
    Service,
}
