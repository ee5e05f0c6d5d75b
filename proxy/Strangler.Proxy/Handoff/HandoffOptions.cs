namespace Strangler.Proxy.Handoff;

/// <summary><c>Proxy:Handoff</c>: how the write-ownership handoff fences, waits and holds (docs/proxy.md, "Write ownership").</summary>
public sealed class HandoffOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Handoff";

    /// <summary>The monolith's database, read for the fence (<c>pg_current_wal_insert_lsn()</c>, no table access). Empty: handoffs are refused.</summary>
    public string LegacyConnectionString { get; set; } = "";

    /// <summary>How long the sync may take to reach legacy's position before anything is held ("check before you hold").</summary>
    public int PrecheckMilliseconds { get; set; } = 3000;

    /// <summary>How long the handoff waits for writes already in flight to finish once writes are held.</summary>
    public int DrainMilliseconds { get; set; } = 3000;

    /// <summary>How long the handoff waits, holding writes, for the new owner to apply everything up to the fence.</summary>
    public int FenceMilliseconds { get; set; } = 3000;

    /// <summary>How long one held write waits before it is refused with 503 and Retry-After.</summary>
    public int MaxHoldMilliseconds { get; set; } = 5000;

    /// <summary>
    /// Replicas sharing the Postgres route store: one seen within this long must confirm that it holds a handed-off
    /// route's writes before the fence is taken (each refreshes its row every fifth of it).
    /// </summary>
    public int ReplicaLeaseMilliseconds { get; set; } = 5000;

    /// <summary>
    /// How often every route's services are told who owns the route's writes (a restarted service forgets it, the
    /// notice after a handoff is best effort); 0 turns the periodic notice off.
    /// </summary>
    public int AnnounceOwnerMilliseconds { get; set; } = 5000;

    /// <summary>How often the sync's position is polled while waiting.</summary>
    public int PollMilliseconds { get; set; } = 5;
}
