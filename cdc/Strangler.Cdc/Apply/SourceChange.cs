using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Apply;

/// <summary>
/// One decoded change to apply, with its table ("public.drivers"), its WAL position (<c>source.lsn</c>, which
/// orders a row's changes and makes replays recognisable), its commit time, and the event as read (position,
/// key and value text), kept for a dead letter should the projection refuse it.
/// </summary>
public sealed record SourceChange(DebeziumChange Change, string Table, ulong Lsn, DateTimeOffset? CommitTime, string Position, string? Key, string? Value)
{
    /// <summary>A row read by the initial snapshot (<c>op:"r"</c>) rather than a streamed change.</summary>
    public bool IsSnapshot => Change.Operation == ChangeOperation.Read;
}
