namespace Strangler.Cdc.Apply;

/// <summary>Where a sync is: starting, loading the initial snapshot, streaming, or stopped by an error it cannot get past.</summary>
public enum SyncState
{
    Starting,
    Snapshotting,
    Streaming,
    Failed,
}
