namespace Strangler.Cdc.Apply;

/// <summary>
/// What a commit did: changes applied, changes skipped because their row already reflects them or a newer
/// change (replays, redelivery), and dead letters stored (the batch's and the projection's refusals).
/// </summary>
public sealed record ApplyOutcome(int Applied, int Stale, int DeadLettered);
