namespace Strangler.Cdc.Capture;

/// <summary>One captured column: name, type and the facts the event schema needs.</summary>
public sealed record ColumnInfo(string Name, ColumnKind Kind, uint TypeOid, bool Nullable, bool IsKey, int? Precision, int? Scale, string? EnumValues)
{
    /// <summary>Maps a PostgreSQL type (OID, type modifier, typtype) to its Debezium representation; unknown types travel as text.</summary>
    public static ColumnKind KindOf(uint oid, char typtype) => oid switch
    {
        16 => ColumnKind.Boolean,
        21 => ColumnKind.Int16,
        23 or 26 => ColumnKind.Int32,
        20 => ColumnKind.Int64,
        700 => ColumnKind.Float,
        701 => ColumnKind.Double,
        1700 => ColumnKind.Numeric,
        2950 => ColumnKind.Uuid,
        114 or 3802 => ColumnKind.Json,
        1082 => ColumnKind.Date,
        1083 => ColumnKind.Time,
        1114 => ColumnKind.Timestamp,
        1184 => ColumnKind.TimestampTz,
        17 => ColumnKind.Bytes,
        _ when typtype == 'e' => ColumnKind.Enum,
        _ => ColumnKind.Text,
    };

    /// <summary>numeric(p,s): precision and scale from the type modifier; null for an unconstrained numeric.</summary>
    public static (int? Precision, int? Scale) NumericModifier(int typmod) =>
        typmod < 4 ? (null, null) : (((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF);
}
