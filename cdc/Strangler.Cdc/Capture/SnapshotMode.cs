namespace Strangler.Cdc.Capture;

/// <summary>Whether the connector reads the tables' current rows before streaming (Debezium's snapshot.mode).</summary>
public enum SnapshotMode
{
    /// <summary>Snapshot when the slot is created, then stream.</summary>
    Initial,

    /// <summary>Never snapshot: stream from the slot only.</summary>
    Never,

    /// <summary>Snapshot when the slot is created, then stop.</summary>
    InitialOnly,
}
