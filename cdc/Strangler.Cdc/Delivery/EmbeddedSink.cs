using Strangler.Cdc.Events;

namespace Strangler.Cdc.Delivery;

/// <summary>
/// In-process delivery (like Debezium's embedded engine): each record is handed to a handler, in order,
/// and counts as delivered when the handler returns. The single-machine default: no broker needed.
/// </summary>
public sealed class EmbeddedSink(Func<ChangeRecord, CancellationToken, ValueTask> handler) : IChangeSink
{
    public async Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            await handler(record, cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
