using FluentMigrator;

namespace RideShare.Monolith.Migrations;

/// <summary>
/// Driver reservations (docs/api.md, "Driver reservations"): a caller-chosen key per reservation, so every call
/// about it is idempotent. No foreign key to drivers: a reservation outlives nothing, and a driver's delete keeps
/// its own rule (refused while trips reference it).
/// </summary>
[Migration(5, "Create driver reservations")]
public sealed class M0005_CreateDriverReservations : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE driver_reservations (
            key         text        PRIMARY KEY,
            driver_id   bigint,
            state       text        NOT NULL
                        CONSTRAINT driver_reservations_state_check CHECK (state IN ('held', 'confirmed', 'released', 'completed')),
            trip_id     bigint,
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX driver_reservations_driver_idx ON driver_reservations (driver_id) WHERE state IN ('held', 'confirmed');
        """);

    public override void Down() => Execute.Sql("DROP TABLE driver_reservations;");
}
