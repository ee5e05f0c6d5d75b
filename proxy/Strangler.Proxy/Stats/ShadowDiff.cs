namespace Strangler.Proxy.Stats;

/// <summary>One observed mismatch: the request, both statuses, and the first differences by JSON path.</summary>
public sealed record ShadowDiff(DateTimeOffset At, string Method, string PathAndQuery, int LegacyStatus, int ServiceStatus, IReadOnlyList<string> Differences);
