namespace Strangler.Cdc.Consumer;

/// <summary>What a Debezium event says happened (its <c>op</c>), or a tombstone.</summary>
public enum ChangeOperation
{
    Read,
    Create,
    Update,
    Delete,
    Truncate,
    Message,
    Tombstone,
}
