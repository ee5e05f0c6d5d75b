namespace Strangler.Cdc.Apply;

/// <summary>Where a sync is: starting, loading the initial snapshot, streaming, stopped by an error it cannot get past, or turned off (the service owns its data).</summary>
public enum SyncState
{
    Starting,
    Snapshotting,
    Streaming,
    Failed,
    Disabled,
}
