namespace Strangler.Cdc.Capture;

/// <summary>How a PostgreSQL column type is carried in a Debezium event.</summary>
public enum ColumnKind
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
