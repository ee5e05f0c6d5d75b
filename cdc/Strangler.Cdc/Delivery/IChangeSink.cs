using Strangler.Cdc.Events;

namespace Strangler.Cdc.Delivery;

/// <summary>
/// Where change records go. <see cref="PublishAsync"/> completes only when every record is durably accepted
/// (Kafka acknowledged, handlers returned): only then does the engine confirm the LSN to the slot.
/// </summary>
public interface IChangeSink : IAsyncDisposable
{
    /// <summary>Delivers <paramref name="records"/> in order; throws if they could not all be delivered.</summary>
    Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken);
}
