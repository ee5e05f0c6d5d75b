using NpgsqlTypes;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>
/// Pipelined delivery with in-order acknowledgement: transactions are handed to the sink without waiting for
/// the previous one (the sink keeps their order), and the slot's confirmed LSN advances to a transaction's end
/// only when it and all before it are acknowledged. The first failure stops everything: nothing after it is
/// acknowledged, and streaming is cancelled so the engine can resume from the slot.
/// </summary>
internal sealed class DeliveryPipeline(IChangeSink sink, IReplicationFeedback replication, int maxInFlight) : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<(Task Delivery, NpgsqlLogSequenceNumber? EndLsn, DateTimeOffset? CommitTime)> _inFlight = new();
    private readonly CancellationTokenSource _failed = new();
    private bool _inTransaction;
    private bool _inMessage;
    private long _messages;
    private long _messagesAtLastHeartbeat = -1;
    private NpgsqlLogSequenceNumber _acknowledged;

    public Exception? Failure { get; private set; }

    /// <summary>Commit time of the newest transaction the sink acknowledged (for the time lag).</summary>
    public DateTimeOffset? AcknowledgedCommitTime { get; private set; }

    /// <summary>Cancelled by the first failed delivery.</summary>
    public CancellationToken Failed => _failed.Token;

    /// <summary>The stream loop is handling a message (its LSN must not be confirmed by a heartbeat).</summary>
    public void MessageStarted()
    {
        lock (_lock)
        {
            _inMessage = true;
        }
    }

    public void MessageDone()
    {
        lock (_lock)
        {
            _inMessage = false;
            _messages++;
        }
    }

    public void BeginTransaction()
    {
        lock (_lock)
        {
            _inTransaction = true;
        }
    }

    public void EndTransaction()
    {
        lock (_lock)
        {
            _inTransaction = false;
        }
    }

    /// <summary>Hands <paramref name="records"/> to the sink; <paramref name="endLsn"/> is confirmed once they (and all before) are delivered.</summary>
    public async Task SendAsync(List<ChangeRecord> records, NpgsqlLogSequenceNumber? endLsn, CancellationToken cancellationToken, DateTimeOffset? commitTime = null)
    {
        ThrowIfFailed();
        while (true)
        {
            Task? oldest = null;
            lock (_lock)
            {
                if (_inFlight.Count >= maxInFlight)
                {
                    oldest = _inFlight.Peek().Delivery;
                }
            }

            if (oldest is null)
            {
                break;
            }

            // WaitAsync releases its registration on the token when the delivery ends (a Task.Delay(Infinite, token)
            // per wait stayed registered on the process-lifetime token forever). A failed delivery is reported
            // by ThrowIfFailed below, not here.
            await oldest.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            Advance();
            ThrowIfFailed();
        }

        var delivery = records.Count == 0 ? Task.CompletedTask : sink.PublishAsync(records, cancellationToken);
        lock (_lock)
        {
            _inFlight.Enqueue((delivery, endLsn, commitTime));
        }

        _ = delivery.ContinueWith(_ => Advance(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// On quiet tables: when the stream has been idle for a whole heartbeat period (no message handled since
    /// the last tick, none being handled, no open transaction, nothing in flight), everything received has
    /// been handled, so the position PostgreSQL has streamed up to (keepalives included) can be confirmed:
    /// the slot stops holding WAL for changes to other tables. A heartbeat record marks it.
    /// </summary>
    public async Task HeartbeatIfIdleAsync(Func<NpgsqlLogSequenceNumber, ChangeRecord> heartbeat, CancellationToken cancellationToken)
    {
        NpgsqlLogSequenceNumber position;
        lock (_lock)
        {
            var quiet = _messages == _messagesAtLastHeartbeat;
            _messagesAtLastHeartbeat = _messages;
            if (!quiet || _inMessage || _inTransaction || _inFlight.Count > 0 || Failure is not null)
            {
                return;
            }

            position = replication.LastReceivedLsn > _acknowledged ? replication.LastReceivedLsn : _acknowledged;
        }

        await sink.PublishAsync([heartbeat(position)], cancellationToken);
        lock (_lock)
        {
            if (_messages == _messagesAtLastHeartbeat && !_inMessage && !_inTransaction && _inFlight.Count == 0 && position > _acknowledged)
            {
                _acknowledged = position;
                replication.Confirm(position);
            }
        }
    }

    /// <summary>Waits for everything in flight (after a normal stop) and confirms what was delivered.</summary>
    public async Task DrainAsync()
    {
        Task[] pending;
        lock (_lock)
        {
            pending = _inFlight.Select(f => f.Delivery).ToArray();
        }

        try
        {
            await Task.WhenAll(pending);
        }
        catch (Exception e) when (e is SinkDeliveryException or OperationCanceledException)
        {
            // Not acknowledged: it will be sent again after a restart.
        }

        Advance();
    }

    public void ThrowIfFailed()
    {
        if (Failure is { } failure)
        {
            throw failure as SinkDeliveryException ?? new SinkDeliveryException(failure.Message);
        }
    }

    private void Advance()
    {
        lock (_lock)
        {
            while (_inFlight.Count > 0 && _inFlight.Peek().Delivery.IsCompleted)
            {
                var (delivery, endLsn, commitTime) = _inFlight.Peek();
                if (!delivery.IsCompletedSuccessfully)
                {
                    if (Failure is null && !delivery.IsCanceled)
                    {
                        Failure = delivery.Exception?.GetBaseException() ?? new SinkDeliveryException("delivery failed");
                        _failed.Cancel();
                    }

                    return; // nothing at or after a failed delivery is acknowledged
                }

                _inFlight.Dequeue();
                if (endLsn is { } lsn)
                {
                    _acknowledged = lsn;
                    AcknowledgedCommitTime = commitTime ?? AcknowledgedCommitTime;
                    replication.Confirm(lsn);
                }
            }
        }
    }

    public void Dispose() => _failed.Dispose();
}
