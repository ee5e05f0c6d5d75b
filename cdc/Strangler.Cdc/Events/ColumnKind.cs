namespace Strangler.Cdc.Events;

/// <summary>How a PostgreSQL column type is carried in a Debezium event.</summary>
internal enum ColumnKind
{
    Boolean,
    Int16,
    Int32,
    Int64,
    Float,
    Double,
    Numeric,
    Text,
    Uuid,
    Json,
    Enum,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    TimeTz,
    Bytes,
}
