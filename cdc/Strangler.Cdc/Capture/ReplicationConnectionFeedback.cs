using Npgsql.Replication;
using NpgsqlTypes;

namespace Strangler.Cdc.Capture;

/// <summary><see cref="IReplicationFeedback"/> over Npgsql's replication connection (standby status updates).</summary>
internal sealed class ReplicationConnectionFeedback(LogicalReplicationConnection connection) : IReplicationFeedback
{
    public NpgsqlLogSequenceNumber LastReceivedLsn => connection.LastReceivedLsn;

    public void Confirm(NpgsqlLogSequenceNumber lsn) => connection.SetReplicationStatus(lsn);
}
