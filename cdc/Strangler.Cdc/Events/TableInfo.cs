namespace Strangler.Cdc.Events;

/// <summary>A captured table: its columns in order, its key, its replica identity and its topic.</summary>
internal sealed record TableInfo(string Schema, string Name, IReadOnlyList<ColumnInfo> Columns, bool FullReplicaIdentity)
{
    public string QualifiedName => $"{Schema}.{Name}";

    public bool HasPrimaryKey => Columns.Any(c => c.IsKey);

    public IEnumerable<ColumnInfo> KeyColumns => Columns.Where(c => c.IsKey);
}
