namespace Strangler.Cdc.Sync.Reconcile;

/// <summary>A row of the service's store with the position of the legacy change that last wrote it (see <c>RowOrder</c>).</summary>
public sealed record StoredRow(CanonicalRow Row, ulong Lsn, bool FromSnapshot);
