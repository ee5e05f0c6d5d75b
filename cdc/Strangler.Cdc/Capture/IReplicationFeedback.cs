using NpgsqlTypes;

namespace Strangler.Cdc.Capture;

/// <summary>What the delivery pipeline tells PostgreSQL, and what it asks: the replication connection's feedback.</summary>
internal interface IReplicationFeedback
{
    /// <summary>The newest position the server has streamed to us (keepalives included).</summary>
    NpgsqlLogSequenceNumber LastReceivedLsn { get; }

    /// <summary>Confirms everything up to <paramref name="lsn"/> as flushed: the slot may release WAL before it.</summary>
    void Confirm(NpgsqlLogSequenceNumber lsn);
}
