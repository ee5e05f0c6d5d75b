namespace Strangler.Cdc.Events;

/// <summary>Where an event came from: the values of Debezium's <c>source</c> block.</summary>
internal readonly record struct SourceInfo(
    string Snapshot, DateTimeOffset Timestamp, long? TxId, ulong Lsn, ulong? LastCommitLsn);
