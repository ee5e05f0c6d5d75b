namespace Strangler.Cdc.Capture;

/// <summary>A connector instance's part in streaming its slot (see <see cref="CdcOptions.LeaderElection"/>).</summary>
public enum CdcRole
{
    /// <summary>Not running (not started yet, stopped, or between losing the slot's lock and waiting again).</summary>
    Stopped,

    /// <summary>Waiting: another instance holds the slot's lock.</summary>
    Standby,

    /// <summary>The slot's one active instance: snapshotting or streaming.</summary>
    Active,
}
