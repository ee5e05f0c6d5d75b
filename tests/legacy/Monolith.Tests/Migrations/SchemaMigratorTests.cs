using RideShare.Monolith.Migrations;
using Strangler.Testing;

namespace RideShare.Monolith.Tests.Migrations;

public sealed class SchemaMigratorTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Migrate_UpDownToZeroAndUpAgain_RecreatesTheSameSchema()
    {
        SchemaMigrator.Migrate(database.ConnectionString);
        var schema = await SchemaAsync();

        SchemaMigrator.Migrate(database.ConnectionString, 0);
        var empty = await SchemaAsync();
        SchemaMigrator.Migrate(database.ConnectionString);

        Assert.Contains("trips.public_id uuid", schema);
        Assert.Contains("trips.waypoints jsonb", schema);
        Assert.Contains("trips.fare numeric", schema);
        Assert.Contains("drivers.rating numeric", schema);
        Assert.Contains("drivers.licence_expires_on date", schema);
        Assert.Contains("passengers.marketing_opt_in boolean", schema);
        Assert.Contains("drivers.created_at timestamp with time zone", schema);
        Assert.DoesNotContain(empty, c => c.StartsWith("drivers.", StringComparison.Ordinal) || c.StartsWith("trips.", StringComparison.Ordinal));
        Assert.Equal(schema, await SchemaAsync());
    }

    [Fact]
    public async Task Migrate_DownOneVersionAtATime_DropsOnlyThatMigrationsObjects()
    {
        SchemaMigrator.Migrate(database.ConnectionString);

        SchemaMigrator.Migrate(database.ConnectionString, 4); // below M0005 (driver reservations) and M0006 (trip reservations)
        var withoutReservations = await IndexesAsync();
        SchemaMigrator.Migrate(database.ConnectionString, 3); // below M0004 (trip indexes)
        var withoutTripIndexes = await IndexesAsync();
        SchemaMigrator.Migrate(database.ConnectionString);
        var indexesUp = await IndexesAsync();

        Assert.Equal(6, SchemaMigrator.LatestVersion);
        Assert.DoesNotContain(withoutReservations, i => i.StartsWith("driver_reservations", StringComparison.Ordinal));
        Assert.Contains("trips_one_active_per_driver", withoutReservations);
        Assert.DoesNotContain("trips_one_active_per_driver", withoutTripIndexes);
        Assert.Contains("trips_pkey", withoutTripIndexes);
        Assert.Contains("trips_one_active_per_driver", indexesUp);
        Assert.Contains("driver_reservations_pkey", indexesUp);
    }

    private Task<List<string>> SchemaAsync() => Sql.StringsAsync(database.ConnectionString, """
        SELECT table_name || '.' || column_name || ' ' || data_type
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('drivers', 'passengers', 'trips')
        ORDER BY 1
        """);

    private Task<List<string>> IndexesAsync() =>
        Sql.StringsAsync(database.ConnectionString, "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1");
}
