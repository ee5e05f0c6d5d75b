using System.Collections.Concurrent;

namespace Strangler.Proxy.Health;

/// <summary>
/// Health of each service destination, fed by active probes and by the outcome of proxied requests
/// (passive). A destination is presumed healthy until shown otherwise.
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
        state.Healthy = healthy;
        if (healthy)
        {
            state.ConsecutiveFailures = 0;
        }
    }

    public void ReportProxied(string destination, bool failed)
    {
        var state = _states.GetOrAdd(destination, _ => new State());
        if (!failed)
        {
            state.ConsecutiveFailures = 0;
            return;
        }

        if (Interlocked.Increment(ref state.ConsecutiveFailures) >= _threshold)
        {
            state.Healthy = false;
        }
    }

    public IReadOnlyDictionary<string, bool> Snapshot() => _states.ToDictionary(s => s.Key, s => s.Value.Healthy, StringComparer.Ordinal);

    private sealed class State
    {
        public volatile bool Healthy = true;
        public int ConsecutiveFailures;
    }
}
