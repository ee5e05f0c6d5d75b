using Strangler.Cdc.Events;

namespace Strangler.Cdc.Delivery;

/// <summary>
/// In-process delivery (like Debezium's embedded engine): each record is handed to a handler, in order,
/// and counts as delivered when the handler returns. The single-machine default: no broker needed.
/// </summary>
public sealed class EmbeddedSink(Func<ChangeRecord, CancellationToken, ValueTask> handler) : IChangeSink
{
    /// <summary>Hands the records to the handler; delivered when it returns.</summary>
    public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            await handler(record, cancellationToken);
        }
    }

    /// <summary>Nothing to release.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
