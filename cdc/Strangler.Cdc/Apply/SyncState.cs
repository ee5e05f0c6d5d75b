namespace Strangler.Cdc.Apply;

/// <summary>Where a sync is: starting, loading the initial snapshot, streaming, stopped by an error it cannot get past, or turned off (the service owns its data).</summary>
public enum SyncState
{
    /// <summary>Starting: connecting to the source.</summary>
    Starting,
    /// <summary>Applying the initial snapshot.</summary>
    Snapshotting,
    /// <summary>Applying streamed changes.</summary>
    Streaming,
    /// <summary>Streaming, but the last batch could not be applied and is being retried (lastError says why).</summary>
    Retrying,
    /// <summary>Stopped on an error that needs a person.</summary>
    Failed,
    /// <summary>Turned off by configuration.</summary>
    Disabled,
}
