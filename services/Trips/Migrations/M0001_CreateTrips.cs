using FluentMigrator;

namespace RideShare.Trips.Migrations;

/// <summary>
/// The Trips service's own schema: trips without foreign keys into other services' data (drivers and passengers are
/// referenced by id), the sync's bookkeeping (per-row LSN, tombstones, checkpoint, dead letters), the request log
/// that makes POST /api/trips idempotent and lets a crash between "driver reserved" and "trip stored" be resolved.
/// </summary>
[Migration(1, "Create trips, sync state and trip requests")]
public sealed class M0001_CreateTrips : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE trips (
            id                  bigint       PRIMARY KEY,
            public_id           uuid         NOT NULL CONSTRAINT trips_public_id_key UNIQUE,
            passenger_id        bigint       NOT NULL,
            driver_id           bigint       NOT NULL,
            status              text         NOT NULL
                                CONSTRAINT trips_status_check CHECK (status IN ('assigned', 'in_progress', 'completed', 'cancelled')),
            pickup_latitude     numeric(9,6) NOT NULL,
            pickup_longitude    numeric(9,6) NOT NULL,
            pickup_address      text,
            dropoff_latitude    numeric(9,6) NOT NULL,
            dropoff_longitude   numeric(9,6) NOT NULL,
            dropoff_address     text,
            waypoints           jsonb        NOT NULL DEFAULT '[]'::jsonb,
            distance_km         numeric(8,3) NOT NULL,
            fare                numeric(10,2),
            currency            text         NOT NULL,
            requested_at        timestamptz  NOT NULL,
            started_at          timestamptz,
            completed_at        timestamptz,
            cancelled_at        timestamptz,
            cancellation_reason text,
            passenger_rating    smallint,
            version             integer      NOT NULL,
            reservation_key     text,
            sync_lsn            pg_lsn,
            sync_snapshot       boolean      NOT NULL DEFAULT false,
            sync_applied        integer      NOT NULL DEFAULT 0
        );
        CREATE INDEX trips_passenger_id_idx ON trips (passenger_id, id);
        CREATE INDEX trips_driver_id_idx ON trips (driver_id, id);
        CREATE INDEX trips_status_idx ON trips (status, id);
        CREATE UNIQUE INDEX trips_one_active_per_passenger ON trips (passenger_id) WHERE status IN ('assigned', 'in_progress');
        CREATE SEQUENCE trip_ids;
        CREATE TABLE trip_tombstones (id bigint PRIMARY KEY, lsn pg_lsn NOT NULL, applied integer NOT NULL DEFAULT 1);
        CREATE TABLE sync_checkpoint (id integer PRIMARY KEY CHECK (id = 1), checkpoint text NOT NULL);
        CREATE TABLE sync_dead_letters (id bigserial PRIMARY KEY, body text NOT NULL);
        CREATE TABLE trip_requests (
            idempotency_key text        PRIMARY KEY,
            request_hash    text        NOT NULL,
            reservation_key text        NOT NULL CONSTRAINT trip_requests_reservation_key UNIQUE,
            state           text        NOT NULL CONSTRAINT trip_requests_state_check CHECK (state IN ('reserving', 'done')),
            confirmed       boolean     NOT NULL DEFAULT false,
            trip_id         bigint,
            status_code     integer,
            response        text,
            created_at      timestamptz NOT NULL,
            updated_at      timestamptz NOT NULL
        );
        CREATE INDEX trip_requests_reserving_idx ON trip_requests (updated_at) WHERE state = 'reserving';
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE trip_requests;
        DROP TABLE sync_dead_letters;
        DROP TABLE sync_checkpoint;
        DROP TABLE trip_tombstones;
        DROP SEQUENCE trip_ids;
        DROP TABLE trips;
        """);
}
