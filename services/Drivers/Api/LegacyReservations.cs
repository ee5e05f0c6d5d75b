using Npgsql;

namespace RideShare.Drivers.Api;

/// <summary>A reservation as the monolith stored it (<c>driver_reservations</c>).</summary>
public sealed record LegacyReservation(string Key, long? DriverId, string State, long? TripId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Reservations the monolith made before drivers were handed to this service: a trip in flight across the handoff
/// reserved its driver in legacy and completes it here. The store does not hold them (the sync carries drivers, not
/// reservations), so a key the store lacks is looked up in legacy's <c>driver_reservations</c> — read only, by key —
/// and adopted into the store before the transition (reads answer from legacy without adopting). The handoff's fence
/// guarantees every reservation legacy committed before it is visible here. Null connection string: no legacy.
/// </summary>
public sealed class LegacyReservations(string? legacyConnectionString) : IDisposable
{
    // One data source for the service's life: a lookup on each reservation call must not parse the connection string again.
    private readonly NpgsqlDataSource? _legacy = legacyConnectionString is null ? null : NpgsqlDataSource.Create(legacyConnectionString);

    public async Task<LegacyReservation?> FindAsync(string key, CancellationToken cancellationToken)
    {
        if (_legacy is null)
        {
            return null;
        }

        await using var command = _legacy.CreateCommand(
            "SELECT key, driver_id, state, trip_id, created_at, updated_at FROM driver_reservations WHERE key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new LegacyReservation(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5))
            : null;
    }

    public void Dispose() => _legacy?.Dispose();
}
