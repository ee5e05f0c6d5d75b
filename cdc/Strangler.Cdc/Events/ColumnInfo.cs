namespace Strangler.Cdc.Events;

/// <summary>
/// One captured column: name, type and the facts the event schema needs. <see cref="Precision"/> and
/// <see cref="Scale"/> are numeric(p,s)'s; for time, timestamp and timestamptz, Precision is the fractional
/// digits (6 when not declared).
/// </summary>
internal sealed record ColumnInfo(string Name, ColumnKind Kind, uint TypeOid, bool Nullable, bool IsKey, int? Precision, int? Scale, string? EnumValues)
{
    /// <summary>The column's default as Debezium writes it in the schema, in PostgreSQL's text form; null for none (see ColumnDefaults).</summary>
    public string? Default { get; init; }

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
        1266 => ColumnKind.TimeTz,
        17 => ColumnKind.Bytes,
        _ when typtype == 'e' => ColumnKind.Enum,
        _ => ColumnKind.Text,
    };

    /// <summary>
    /// numeric(p,s): precision and scale from the type modifier; null for an unconstrained numeric. The scale is
    /// an 11-bit signed field (PostgreSQL 15 allows -1000 to 1000), so numeric(5,-2) reads as scale -2.
    /// </summary>
    public static (int? Precision, int? Scale) NumericModifier(int typmod) =>
        typmod < 4 ? (null, null) : (((typmod - 4) >> 16) & 0xFFFF, (((typmod - 4) & 0x7FF) ^ 1024) - 1024);

    /// <summary>Fractional digits of time(p), timestamp(p), timestamptz(p): the modifier, or 6 when there is none.</summary>
    public static int TemporalPrecision(int typmod) => typmod is >= 0 and <= 6 ? typmod : 6;

    /// <summary>The (precision, scale) a column of <paramref name="kind"/> carries, from its type modifier.</summary>
    public static (int? Precision, int? Scale) Modifier(ColumnKind kind, int typmod) => kind switch
    {
        ColumnKind.Numeric => NumericModifier(typmod),
        ColumnKind.Time or ColumnKind.Timestamp or ColumnKind.TimestampTz or ColumnKind.TimeTz => (TemporalPrecision(typmod), null),
        _ => (null, null),
    };
}
