namespace Strangler.Proxy.Cohorts;

/// <summary>How users are told apart for canary cohorts (<c>Proxy:Cohorts</c>).</summary>
public sealed class CohortOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Cohorts";

    /// <summary>Request header carrying the stickiness key (the user id).</summary>
    public string UserHeader { get; set; } = "X-User-Id";

    /// <summary>Cookie the proxy sets (and then reads) for clients that send no user header.</summary>
    public string CookieName { get; set; } = "strangler-cohort";

    /// <summary>Opt-in header a tester sends with value <c>service</c> to be served by the service at shadow or canary stage; empty disables it.</summary>
    public string ForceHeader { get; set; } = "X-Strangler-Force";
}
