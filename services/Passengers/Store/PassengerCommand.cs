namespace RideShare.Passengers.Store;

/// <summary>
/// One synced (or repaired) change for <see cref="PassengerStore.ApplyAsync"/>: <c>S</c> snapshot put, <c>P</c> put,
/// <c>D</c> delete, at the legacy position <see cref="Lsn"/>. <see cref="DeadLetter"/> (JSON) is stored instead when
/// the change cannot be applied (an unchanged TOASTed value for a passenger the store does not hold).
/// </summary>
public sealed record PassengerCommand(char Op, long Id, ulong Lsn, PassengerDocument? Document, string? DeadLetter = null);
