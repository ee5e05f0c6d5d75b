using System.Collections.Concurrent;
using System.Diagnostics;

namespace Strangler.Proxy.Handoff;

/// <summary>
/// A route's writes during a handoff: every write enters the gate (counted while in flight); while the gate is held,
/// new writes wait — up to the configured limit, after which they are refused with 503, never dropped — and the
/// handoff waits for the writes already in flight to finish. Releasing lets the held writes re-decide their backend
/// on the route table as it is then.
/// </summary>
internal sealed class WriteGate
{
    private readonly object _lock = new();
    private TaskCompletionSource? _hold;
    private TaskCompletionSource? _drained;
    private int _holders;
    private int _inFlight;
    private long _held;
    private long _refused;

    public bool IsHeld
    {
        get
        {
            lock (_lock)
            {
                return _hold is not null;
            }
        }
    }

    /// <summary>Writes that waited at a hold, and writes refused because the hold outlasted the limit.</summary>
    public (long Held, long Refused) Counts => (Interlocked.Read(ref _held), Interlocked.Read(ref _refused));

    /// <summary>Enters the gate if it is not held (not counted as a held or refused write); null while it is held.</summary>
    public Lease? TryEnter()
    {
        lock (_lock)
        {
            if (_hold is not null)
            {
                return null;
            }

            _inFlight++;
            return new Lease(this, 0);
        }
    }

    /// <summary>Enters the gate (waiting while it is held); null when the hold outlasted <paramref name="limit"/>.</summary>
    public async ValueTask<Lease?> EnterAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_lock)
        {
            if (_hold is null)
            {
                _inFlight++;
                return new Lease(this, 0);
            }

            wait = _hold.Task;
        }

        Interlocked.Increment(ref _held);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var left = limit - Stopwatch.GetElapsedTime(started);
            try
            {
                await wait.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref _refused);
                return null;
            }

            lock (_lock)
            {
                if (_hold is null)
                {
                    _inFlight++;
                    return new Lease(this, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                wait = _hold.Task; // released and held again: keep waiting within the limit
            }
        }
    }

    /// <summary>
    /// Holds new writes until every holder has released: this replica's own handoff, or another replica's handoff
    /// shared through the route store (<see cref="PostgresReplicaHolds"/>).
    /// </summary>
    public void Hold()
    {
        lock (_lock)
        {
            _holders++;
            _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Completes when no write is in flight (writes waiting at the hold are not in flight).</summary>
    public Task DrainedAsync()
    {
        lock (_lock)
        {
            if (_inFlight == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    public void Release()
    {
        TaskCompletionSource? hold = null;
        lock (_lock)
        {
            if (_holders > 0 && --_holders == 0)
            {
                hold = _hold;
                _hold = null;
            }
        }

        hold?.TrySetResult();
    }

    private void Exit()
    {
        TaskCompletionSource? drained = null;
        lock (_lock)
        {
            _inFlight--;
            if (_inFlight == 0 && _drained is not null)
            {
                drained = _drained;
                _drained = null;
            }
        }

        drained?.TrySetResult();
    }

    /// <summary>A write in flight; <see cref="HeldMilliseconds"/> is how long it waited at a hold.</summary>
    public sealed class Lease(WriteGate gate, double heldMilliseconds) : IDisposable
    {
        private int _disposed;

        public double HeldMilliseconds => heldMilliseconds;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Exit();
            }
        }
    }
}

/// <summary>The write gates of all routes, by route id.</summary>
internal sealed class WriteGates
{
    private readonly ConcurrentDictionary<string, WriteGate> _gates = new(StringComparer.Ordinal);

    public WriteGate For(string routeId) => _gates.GetOrAdd(routeId, _ => new WriteGate());

    public IEnumerable<KeyValuePair<string, WriteGate>> All => _gates;
}
