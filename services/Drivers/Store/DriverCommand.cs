namespace RideShare.Drivers.Store;

/// <summary>
/// One write for the store script: <c>S</c> snapshot put, <c>P</c> put, <c>C</c> create (the script assigns the
/// id), <c>D</c> delete. <see cref="Lsn"/> is the legacy change's position for sync writes (ordering per
/// <c>RowOrder</c>), null for the API's own writes; <see cref="ExpectedVersion"/> is the version the write was
/// decided on (If-Match, or the version read); <see cref="CheckUnique"/> refuses a taken email or licence;
/// <see cref="DeadLetter"/> is stored instead when the change cannot be applied (an unchanged TOASTed value for a
/// row the store does not hold).
/// </summary>
public sealed record DriverCommand(
    char Op, long Id, ulong? Lsn, int? ExpectedVersion, bool CheckUnique, DriverRecord? Record, string? DeadLetter = null);

/// <summary>
/// A hash written together with a script's commands (see <c>DriverScript</c>): only when <see cref="GuardKey"/>'s
/// <c>state</c> field equals <see cref="GuardState"/> (null: the guard key must not exist), and only when every
/// command applied.
/// </summary>
public sealed record GuardedRecord(string GuardKey, string? GuardState, string Key, IReadOnlyList<(string Field, string Value)> Fields);
