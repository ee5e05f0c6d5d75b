using System.Collections.Concurrent;

namespace Strangler.Proxy.Health;

/// <summary>
/// Health of each service destination, fed by active probes and by the outcome of proxied requests
/// (passive). A destination is presumed healthy until shown otherwise. A destination that passive checks
/// ejected and a probe re-admitted is on probation: its first failed request ejects it again, until one
/// request succeeds (a /healthz that answers while every real request fails must not buy it another round).
/// </summary>
internal sealed class ServiceHealth(Microsoft.Extensions.Options.IOptions<HealthOptions> options)
{
    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);
    private readonly int _threshold = options.Value.PassiveFailureThreshold;
    private int _roundRobin;

    public bool IsHealthy(string destination) => !_states.TryGetValue(destination, out var s) || s.Healthy;

    /// <summary>A healthy destination (round-robin), or null when none is.</summary>
    public string? PickHealthy(string[] destinations)
    {
        var start = (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)destinations.Length);
        for (var i = 0; i < destinations.Length; i++)
        {
            var candidate = destinations[(start + i) % destinations.Length];
            if (IsHealthy(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public void ReportProbe(string destination, bool healthy)
    {
        var state = _states.GetOrAdd(destination, _ => new State());
        if (healthy && !state.Healthy)
        {
            // Re-admitted: on probation if requests (not a probe) had ejected it.
            state.ConsecutiveFailures = state.EjectedByRequests ? Math.Max(0, _threshold - 1) : 0;
        }

        state.Healthy = healthy;
    }

    /// <summary>Records a proxied request's outcome; true when this failure ejected the destination.</summary>
    public bool ReportProxied(string destination, bool failed)
    {
        var state = _states.GetOrAdd(destination, _ => new State());
        if (!failed)
        {
            state.ConsecutiveFailures = 0;
            state.EjectedByRequests = false;
            return false;
        }

        if (Interlocked.Increment(ref state.ConsecutiveFailures) < _threshold || !state.Healthy)
        {
            return false;
        }

        lock (state)
        {
            if (!state.Healthy)
            {
                return false;
            }

            state.EjectedByRequests = true;
            state.Healthy = false;
            return true;
        }
    }

    public IReadOnlyDictionary<string, bool> Snapshot() => _states.ToDictionary(s => s.Key, s => s.Value.Healthy, StringComparer.Ordinal);

    private sealed class State
    {
        public volatile bool Healthy = true;
        public volatile bool EjectedByRequests;
        public int ConsecutiveFailures;
    }
}
