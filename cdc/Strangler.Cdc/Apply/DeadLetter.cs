namespace Strangler.Cdc.Apply;

/// <summary>
/// A change that could not be applied (malformed, dead-lettered by the connector, or refused by the
/// projection): why, where it was read, and the event itself, kept by the sync target so nothing is lost.
/// </summary>
public sealed record DeadLetter(string Reason, string Table, string Position, ulong Lsn, string? Key, string? Value, DateTimeOffset At);
