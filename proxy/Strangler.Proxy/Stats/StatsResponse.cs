using System.Text.Json.Serialization;
using Strangler.Proxy.Handoff;

namespace Strangler.Proxy.Stats;

/// <summary>GET /admin/stats: the route table's version, the route store's state, every route's figures, destination health.</summary>
internal sealed record StatsResponse(long Version, RouteStoreStatus RouteStore, IReadOnlyList<RouteStatsEntry> Routes, IReadOnlyDictionary<string, bool> Health);

/// <summary>Whether the stored route table is usable; when not, since when and why (the proxy serves its last good table).</summary>
internal sealed record RouteStoreStatus(
    bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? At = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>
/// One route's figures (or the unmatched traffic's, id "(unmatched)", and a removed route's that still has
/// counts: then <see cref="Stage"/>, <see cref="Owner"/> and <see cref="Weight"/> are null).
/// </summary>
internal sealed record RouteStatsEntry(
    string Id,
    string? Stage,
    string? Owner,
    HandoffReport? Handoff,
    WriteHoldStats? WriteHold,
    long ReadYourWritesRedirects,
    int? Weight,
    long AutoRollbacks,
    IReadOnlyDictionary<string, BackendStats> Backends,
    ShadowSummary? Shadow);

/// <summary>This replica's hold of a route's writes: held now, how many writes waited or were refused so far.</summary>
internal sealed record WriteHoldStats(bool Holding, long HeldWrites, long RefusedWrites);

/// <summary>Requests served by one backend of a route: count, status classes ("1xx".."5xx"), transport errors, latency.</summary>
internal sealed record BackendStats(long Requests, IReadOnlyDictionary<string, long> Status, long TransportErrors, LatencyPercentiles LatencyMs);

/// <summary>Latency percentiles in milliseconds (log-linear histogram: at most 12.5% relative error).</summary>
internal sealed record LatencyPercentiles(double P50, double P95, double P99);

/// <summary>Shadow comparisons of a route by outcome, and the latest differing answers.</summary>
internal sealed record ShadowSummary(
    long Matches, long Mismatches, long ServiceErrors, long Skipped, long Dropped, long Discarded, IReadOnlyList<ShadowDiff> Samples);
