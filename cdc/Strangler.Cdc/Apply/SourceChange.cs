using Strangler.Cdc.Consumer;

namespace Strangler.Cdc.Apply;

/// <summary>
/// One decoded change to apply, with its table ("public.drivers"), its WAL position (<c>source.lsn</c>, which
/// orders a row's changes and makes replays recognisable) and its commit time.
/// </summary>
public sealed record SourceChange(DebeziumChange Change, string Table, ulong Lsn, DateTimeOffset? CommitTime);
