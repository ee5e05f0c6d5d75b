namespace Strangler.Cdc.Apply;

/// <summary>
/// When a change is older than what its row already reflects (so applying it again would go back in time): the
/// one rule every sync target applies, in C# (<see cref="IsStale"/>) or in its store's own language.
/// <list type="bullet">
/// <item>A row remembers the LSN of the change that last wrote it and whether that was a snapshot read; a deleted
/// row leaves a tombstone with the delete's LSN.</item>
/// <item>A snapshot read at position S is stale when the row or its tombstone is at S or later.</item>
/// <item>A streamed change at L is stale when the row was last written by a streamed change at L or later, or its
/// tombstone is. It is never stale against a snapshot read: a transaction still open when the slot was created can
/// carry changes whose LSN is below the snapshot's position, yet the snapshot did not see them (it committed after)
/// and the stream delivers them: they must apply.</item>
/// </list>
/// Per row, streamed LSNs follow commit order (a second writer waits for the first one's row lock), so replays
/// and redeliveries are recognised and change nothing.
/// </summary>
public static class RowOrder
{
    /// <summary>True when a change at <paramref name="lsn"/> is older than (or the same as) what the row already reflects: a replay to skip.</summary>
    public static bool IsStale(ulong? rowLsn, bool rowFromSnapshot, ulong? tombstoneLsn, ulong lsn, bool isSnapshot)
    {
        if (tombstoneLsn is { } dead && dead >= lsn)
        {
            return true;
        }

        return rowLsn is { } at && at >= lsn && (isSnapshot || !rowFromSnapshot);
    }
}
