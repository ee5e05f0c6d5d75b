using RideShare.Contracts.Passengers;

namespace RideShare.Passengers.Store;

/// <summary>
/// A passenger as the Passengers service stores it: one Marten document (jsonb) per passenger, keyed by the legacy
/// id. <see cref="Lsn"/> is the WAL position of the last legacy change applied to it (0 for the service's own
/// writes), <see cref="FromSnapshot"/> whether that change was a snapshot read (see <c>RowOrder</c>).
/// </summary>
public sealed class PassengerDocument
{
    public long Id { get; set; }

    public string FullName { get; set; } = "";

    public string Email { get; set; } = "";

    public string? Phone { get; set; }

    public bool MarketingOptIn { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public int Version { get; set; }

    public ulong Lsn { get; set; }

    public bool FromSnapshot { get; set; }

    /// <summary>How many legacy changes the sync applied to this passenger (exactly one per change: a replay never counts).</summary>
    public int SyncApplied { get; set; }

    public PassengerResponse ToResponse() => new(Id, FullName, Email, Phone, MarketingOptIn, CreatedAt, UpdatedAt, Version);

    public PassengerDocument Copy() => (PassengerDocument)MemberwiseClone();
}

/// <summary>A passenger deleted in legacy at <see cref="Lsn"/>: a replayed older change must not bring it back.</summary>
public sealed class PassengerTombstone
{
    public long Id { get; set; }

    public ulong Lsn { get; set; }

    /// <summary>How many legacy deletes of this id the sync applied.</summary>
    public int SyncApplied { get; set; }
}

/// <summary>The sync's checkpoint, one document, saved in the same transaction as the passengers it covers.</summary>
public sealed class SyncCheckpointDocument
{
    public const string SingleId = "sync";

    public string Id { get; set; } = SingleId;

    public string Checkpoint { get; set; } = "";
}

/// <summary>A change the sync could not apply, with its reason and the event, saved in the same transaction as its batch.</summary>
public sealed class DeadLetterDocument
{
    public Guid Id { get; set; }

    public string Reason { get; set; } = "";

    public string Table { get; set; } = "";

    public string Position { get; set; } = "";

    public ulong Lsn { get; set; }

    public string? Key { get; set; }

    public string? Value { get; set; }

    public DateTimeOffset At { get; set; }
}
