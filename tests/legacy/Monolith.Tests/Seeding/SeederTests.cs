using Npgsql;
using RideShare.Monolith.Migrations;
using RideShare.Contracts.Pricing;
using RideShare.Monolith.Seeding;
using Strangler.Testing;

namespace RideShare.Monolith.Tests.Seeding;

public sealed class SeederTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task SeedAsync_DefaultSizes_LoadsConsistentData()
    {
        var connectionString = await database.Server.CreateDatabaseAsync("seed_default");
        try
        {
            SchemaMigrator.Migrate(connectionString);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var schemaBefore = await SchemaObjectsAsync(dataSource);

            var result = await Seeder.SeedAsync(dataSource, new SeedOptions(), new PricingOptions(), CancellationToken.None);

            // Indexes and constraints dropped for the load are all back, identical.
            Assert.Equal(schemaBefore, await SchemaObjectsAsync(dataSource));
            Assert.Contains(schemaBefore, d => d.Contains("trips_one_active_per_driver", StringComparison.Ordinal));
            Assert.Contains(schemaBefore, d => d.Contains("FOREIGN KEY (passenger_id)", StringComparison.Ordinal));

            Assert.Equal((1_000, 10_000, 50_000), (result.Drivers, result.Passengers, result.Trips));
            Assert.Equal(1_000L, await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM drivers"));
            Assert.Equal(10_000L, await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM passengers"));
            Assert.Equal(50_000L, await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM trips"));
            // Every on-trip driver has exactly one active trip, and nobody else has one.
            Assert.Equal(
                await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM drivers WHERE status = 'on_trip'"),
                await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM trips WHERE status IN ('assigned', 'in_progress')"));
            Assert.Equal(0L, await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM trips WHERE status = 'completed' AND fare IS NULL"));
            Assert.Equal(0L, await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM drivers WHERE rating_count > 0 AND rating IS NULL"));
            // Identity continues after the seeded ids.
            Assert.Equal(50_001L, await Sql.ScalarAsync<long>(dataSource, "SELECT nextval(pg_get_serial_sequence('trips', 'id'))"));
        }
        finally
        {
            await database.Server.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task SeedAsync_SameRandomSeedTwice_ProducesIdenticalRows()
    {
        var options = new SeedOptions { Drivers = 50, Passengers = 200, Trips = 500, RandomSeed = 7 };
        var first = await SeedAndFingerprintAsync(options);
        var second = await SeedAndFingerprintAsync(options);
        var other = await SeedAndFingerprintAsync(new SeedOptions { Drivers = 50, Passengers = 200, Trips = 500, RandomSeed = 8 });

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task SeedAsync_NonEmptyDatabaseWithoutReset_RefusesAndChangesNothing()
    {
        var connectionString = await database.Server.CreateDatabaseAsync("seed_refuse");
        try
        {
            SchemaMigrator.Migrate(connectionString);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var small = new SeedOptions { Drivers = 10, Passengers = 10, Trips = 10 };
            await Seeder.SeedAsync(dataSource, small, new PricingOptions(), CancellationToken.None);

            var error = await Assert.ThrowsAsync<SeedRefusedException>(() =>
                Seeder.SeedAsync(dataSource, new SeedOptions { Drivers = 20, Passengers = 20, Trips = 20 }, new PricingOptions(), CancellationToken.None));
            Assert.Contains("--reset", error.Message, StringComparison.Ordinal);
            Assert.Equal(10L, await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM drivers"));

            await Seeder.SeedAsync(dataSource, new SeedOptions { Drivers = 20, Passengers = 20, Trips = 20, Reset = true }, new PricingOptions(), CancellationToken.None);
            Assert.Equal(20L, await Sql.ScalarAsync<long>(dataSource, "SELECT count(*) FROM drivers"));
        }
        finally
        {
            await database.Server.DropDatabaseAsync(connectionString);
        }
    }

    private async Task<string> SeedAndFingerprintAsync(SeedOptions options)
    {
        var connectionString = await database.Server.CreateDatabaseAsync("seed_fp");
        try
        {
            SchemaMigrator.Migrate(connectionString);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await Seeder.SeedAsync(dataSource, options, new PricingOptions(), CancellationToken.None);
            var parts = await Sql.StringsAsync(dataSource, """
                SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM trips t
                UNION ALL SELECT md5(string_agg(d::text, '|' ORDER BY d.id)) FROM drivers d
                UNION ALL SELECT md5(string_agg(p::text, '|' ORDER BY p.id)) FROM passengers p
                """);
            return string.Join(",", parts);
        }
        finally
        {
            await database.Server.DropDatabaseAsync(connectionString);
        }
    }

    private static Task<List<string>> SchemaObjectsAsync(NpgsqlDataSource dataSource) => Sql.StringsAsync(dataSource, """
        SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL
        SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        ORDER BY 1
        """);
}
