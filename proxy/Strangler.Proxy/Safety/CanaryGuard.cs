using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Safety;

/// <summary>
/// Watches each canary's service responses and rolls the route back to legacy when the service fails: at once
/// when passive health ejects one of its destinations (PassiveFailureThreshold consecutive failures, so a
/// service failing every request costs that many client errors), or when the error share (5xx + transport
/// failures) over a sliding window passes the threshold after the minimum number of requests (a service
/// failing only some requests). The rollback is an ordinary audited route change.
/// </summary>
internal sealed class CanaryGuard(
    IOptions<CanaryOptions> options, RouteChangeService changes, TimeProvider time, ILogger<CanaryGuard> logger)
{
    private const int Slots = 10;
    private readonly CanaryOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _rollbacks = new(StringComparer.Ordinal);

    /// <summary>Automatic rollbacks decided for <paramref name="routeId"/> since start (counted when decided, before the change lands).</summary>
    public long RollbacksFor(string routeId) => _rollbacks.GetValueOrDefault(routeId);

    /// <summary>Records one service response of <paramref name="route"/>; <paramref name="ejected"/>: this failure made passive health eject the destination.</summary>
    public void Record(CompiledRoute route, bool error, bool ejected = false)
    {
        if (route.Stage != Stage.Canary)
        {
            return;
        }

        var window = _windows.GetOrAdd(route.Id, _ => new Window(TimeSpan.FromSeconds(_options.WindowSeconds) / Slots));
        var (total, errors) = window.Add(time.GetTimestamp(), time, error);
        if (CanaryRollbackRule.Reason(total, errors, ejected, _options) is not { } reason || !window.TryTrip())
        {
            return;
        }

        _rollbacks.AddOrUpdate(route.Id, 1, (_, n) => n + 1);
        logger.LogWarning("Canary of route {RouteId} rolling back: {Reason}", route.Id, reason);
        _ = Task.Run(async () =>
        {
            try
            {
                await changes.RollbackCanaryAsync(route.Id, reason, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Automatic rollback of route {RouteId} failed", route.Id);
            }
            finally
            {
                _windows.TryRemove(route.Id, out _); // a later canary starts from a clean window
            }
        });
    }

    private sealed class Window(TimeSpan slot)
    {
        private readonly long[] _slotStart = new long[Slots];
        private readonly int[] _totals = new int[Slots];
        private readonly int[] _errors = new int[Slots];
        private int _tripped;

        public (int Total, int Errors) Add(long now, TimeProvider time, bool error)
        {
            var slotTicks = (long)(slot.TotalSeconds * time.TimestampFrequency);
            var slotNumber = now / Math.Max(1, slotTicks);
            var index = (int)(slotNumber % Slots);
            lock (this)
            {
                if (_slotStart[index] != slotNumber)
                {
                    _slotStart[index] = slotNumber;
                    _totals[index] = 0;
                    _errors[index] = 0;
                }

                _totals[index]++;
                if (error)
                {
                    _errors[index]++;
                }

                int total = 0, errors = 0;
                for (var i = 0; i < Slots; i++)
                {
                    if (slotNumber - _slotStart[i] < Slots)
                    {
                        total += _totals[i];
                        errors += _errors[i];
                    }
                }

                return (total, errors);
            }
        }

        public bool TryTrip() => Interlocked.Exchange(ref _tripped, 1) == 0;
    }
}
