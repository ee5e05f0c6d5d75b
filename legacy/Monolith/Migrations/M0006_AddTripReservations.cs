using FluentMigrator;

namespace RideShare.Monolith.Migrations;

/// <summary>
/// For the monolith reaching drivers through their owner's API (<c>Drivers:Access=Gateway</c>): the driver
/// reservation behind a trip, and the log of reservations being made, written before each reserve call so a crash
/// between "driver reserved" and "trip stored" can be resolved.
/// </summary>
[Migration(6, "Add trip reservations")]
public sealed class M0006_AddTripReservations : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE trips ADD COLUMN reservation_key text;
        CREATE TABLE trip_reservation_requests (
            reservation_key text        PRIMARY KEY,
            created_at      timestamptz NOT NULL DEFAULT now()
        );
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE trip_reservation_requests;
        ALTER TABLE trips DROP COLUMN reservation_key;
        """);
}
