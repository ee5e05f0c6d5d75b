using FluentMigrator;

namespace RideShare.Monolith.Migrations;

/// <summary>
/// Lookup indexes, and the database-level guarantee behind trip assignment: at most one active trip per
/// driver and per passenger, whatever the application does concurrently.
/// </summary>
[Migration(4, "Add trip indexes and one-active-trip guarantees")]
public sealed class M0004_AddTripIndexes : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX trips_passenger_id_idx ON trips (passenger_id, id);
        CREATE INDEX trips_driver_id_idx ON trips (driver_id, id);
        CREATE INDEX trips_status_idx ON trips (status, id);
        CREATE UNIQUE INDEX trips_one_active_per_driver ON trips (driver_id) WHERE status IN ('assigned', 'in_progress');
        CREATE UNIQUE INDEX trips_one_active_per_passenger ON trips (passenger_id) WHERE status IN ('assigned', 'in_progress');
        CREATE INDEX drivers_available_idx ON drivers (id) WHERE status = 'available';
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX drivers_available_idx;
        DROP INDEX trips_one_active_per_passenger;
        DROP INDEX trips_one_active_per_driver;
        DROP INDEX trips_status_idx;
        DROP INDEX trips_driver_id_idx;
        DROP INDEX trips_passenger_id_idx;
        """);
}
