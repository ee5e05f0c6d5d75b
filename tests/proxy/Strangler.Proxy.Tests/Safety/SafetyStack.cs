namespace Strangler.Proxy.Tests.Safety;

/// <summary>A stack whose canary guard trips after 10 requests at 50% errors, and whose passive health stays out of its way.</summary>
public sealed class SafetyStack : StranglerStack
{
    protected override IEnumerable<string> ProxyArgs =>
    [
        "--Proxy:Canary:MinRequests=10",
        "--Proxy:Canary:ErrorRateThreshold=0.5",
        "--Proxy:Health:PassiveFailureThreshold=1000",
    ];
}
