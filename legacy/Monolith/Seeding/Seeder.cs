using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;
using RideShare.Contracts.Pricing;

namespace RideShare.Monolith.Seeding;

/// <summary>
/// Loads deterministic, realistic RideShare data with binary COPY, all in one transaction: either every
/// row lands or none does. The data is consistent with the app's rules (each on-trip driver has exactly
/// one active trip, available drivers have a position, fares and ratings follow the tariff).
/// </summary>
public static class Seeder
{
    private static readonly string[] FirstNames =
        ["Ana", "Bruno", "Carla", "Diego", "Eva", "Filipe", "Grace", "Hugo", "Ines", "Joao", "Kim", "Luis", "Maria", "Nuno",
         "Olga", "Pedro", "Rita", "Sara", "Tiago", "Vera", "Omar", "Priya", "Chen", "Amara", "Lars", "Yuki", "Zoe", "Marco"];

    private static readonly string[] LastNames =
        ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Jesus", "Sousa", "Fernandes",
         "Goncalves", "Gomes", "Lopes", "Marques", "Alves", "Almeida", "Ribeiro", "Pinto", "Carvalho", "Smith", "Nguyen", "Okafor"];

    private static readonly (string Make, string Model)[] Vehicles =
        [("Toyota", "Prius"), ("Toyota", "Corolla"), ("Tesla", "Model 3"), ("Renault", "Zoe"), ("Peugeot", "e-208"),
         ("Kia", "Niro"), ("Hyundai", "Ioniq"), ("Skoda", "Octavia"), ("Volkswagen", "ID.3"), ("Mercedes", "E-Class")];

    private static readonly string[] CancelReasons =
        ["Passenger changed plans", "Driver took too long", "Booked by mistake", "Found another ride"];

    // Data is anchored to fixed dates so the same seed always yields the same rows.
    private static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private const double CenterLat = 38.7223, CenterLng = -9.1393, Spread = 0.12;

    public static async Task<SeedResult> SeedAsync(
        NpgsqlDataSource dataSource, SeedOptions options, PricingOptions tariff, CancellationToken cancellationToken)
    {
        if (options.Drivers < 0 || options.Passengers < 0 || options.Trips < 0)
        {
            throw new SeedRefusedException("Seed sizes must be 0 or more.");
        }

        if (options.Trips > 0 && (options.Drivers == 0 || options.Passengers == 0))
        {
            throw new SeedRefusedException("Trips need at least one driver and one passenger.");
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (options.Reset)
        {
            await ExecuteAsync(connection, "TRUNCATE trips, passengers, drivers RESTART IDENTITY", cancellationToken);
        }
        else if (await HasDataAsync(connection, cancellationToken))
        {
            throw new SeedRefusedException("The database already holds RideShare data: pass --reset to replace it.");
        }

        var random = new Random(options.RandomSeed);
        // The last trips are the active ones: one per on-trip driver, each with its own passenger.
        var active = Math.Min(Math.Min(options.Drivers / 50, options.Passengers), options.Trips);
        var deferred = await DeferredIndexes.DropAsync(connection, ["trips", "passengers", "drivers"], cancellationToken);
        // The row loops are synchronous and fully optimised from the first call: per-value async writes in
        // tier-0 JIT code cost about 10% at the default size (51k → 56k rows/s, bench/seed-rate.sh); the
        // importer only blocks when its buffer flushes.
        var driverLocations = CopyDrivers(connection, options.Drivers, active, random, cancellationToken);
        CopyPassengers(connection, options.Passengers, random, cancellationToken);
        CopyTrips(connection, options, active, driverLocations, tariff, random, cancellationToken);
        await deferred.RestoreAsync(connection, cancellationToken);

        await ExecuteAsync(connection, """
            UPDATE drivers d SET rating = round(r.average, 2), rating_count = r.n
            FROM (SELECT driver_id, avg(passenger_rating) AS average, count(*) AS n
                  FROM trips WHERE passenger_rating IS NOT NULL GROUP BY driver_id) r
            WHERE d.id = r.driver_id;
            SELECT setval(pg_get_serial_sequence('drivers', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM drivers;
            SELECT setval(pg_get_serial_sequence('passengers', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM passengers;
            SELECT setval(pg_get_serial_sequence('trips', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM trips;
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SeedResult(options.Drivers, options.Passengers, options.Trips, started.Elapsed);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (decimal Lat, decimal Lng)[] CopyDrivers(
        NpgsqlConnection connection, int count, int onTrip, Random random, CancellationToken cancellationToken)
    {
        var locations = new (decimal, decimal)[count + 1];
        using var writer = connection.BeginBinaryImport(
            "COPY drivers (id, full_name, email, phone, licence_number, licence_expires_on, vehicle_make, vehicle_model, " +
            "vehicle_plate, status, latitude, longitude, location_updated_at, created_at, updated_at, version) FROM STDIN (FORMAT BINARY)");
        for (var id = 1; id <= count; id++)
        {
            if (id % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (first, last) = Name(random);
            var vehicle = Vehicles[random.Next(Vehicles.Length)];
            var status = id <= onTrip ? "on_trip" : random.NextDouble() < 0.6 ? "available" : "offline";
            var created = Epoch.AddDays(-random.Next(60, 1500)).AddSeconds(random.Next(86_400));
            var location = RandomPoint(random);
            var hasLocation = status != "offline" || random.NextDouble() < 0.5;
            locations[id] = location;

            writer.StartRow();
            writer.Write((long)id, NpgsqlDbType.Bigint);
            writer.Write($"{first} {last}", NpgsqlDbType.Text);
            writer.Write($"{first}.{last}.d{id}@rideshare.example".ToLowerInvariant(), NpgsqlDbType.Text);
            writer.Write($"+351 9{random.Next(10_000_000, 99_999_999)}", NpgsqlDbType.Text);
            writer.Write($"DL-{id:D8}", NpgsqlDbType.Text);
            writer.Write(DateOnly.FromDateTime(Epoch.AddDays(random.Next(400, 3000))), NpgsqlDbType.Date);
            writer.Write(vehicle.Make, NpgsqlDbType.Text);
            writer.Write(vehicle.Model, NpgsqlDbType.Text);
            writer.Write($"{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}-{random.Next(10, 99)}-{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}", NpgsqlDbType.Text);
            writer.Write(status, NpgsqlDbType.Text);
            if (hasLocation)
            {
                writer.Write(location.Lat, NpgsqlDbType.Numeric);
                writer.Write(location.Lng, NpgsqlDbType.Numeric);
                writer.Write(Epoch.AddMinutes(-random.Next(1, 600)), NpgsqlDbType.TimestampTz);
            }
            else
            {
                writer.WriteNull();
                writer.WriteNull();
                writer.WriteNull();
            }

            writer.Write(created, NpgsqlDbType.TimestampTz);
            writer.Write(created, NpgsqlDbType.TimestampTz);
            writer.Write(1, NpgsqlDbType.Integer);
        }

        writer.Complete();
        return locations;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyPassengers(NpgsqlConnection connection, int count, Random random, CancellationToken cancellationToken)
    {
        using var writer = connection.BeginBinaryImport(
            "COPY passengers (id, full_name, email, phone, marketing_opt_in, created_at, updated_at, version) FROM STDIN (FORMAT BINARY)");
        for (var id = 1; id <= count; id++)
        {
            if (id % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (first, last) = Name(random);
            var created = Epoch.AddDays(-random.Next(30, 1500)).AddSeconds(random.Next(86_400));
            writer.StartRow();
            writer.Write((long)id, NpgsqlDbType.Bigint);
            writer.Write($"{first} {last}", NpgsqlDbType.Text);
            writer.Write($"{first}.{last}.p{id}@mail.example".ToLowerInvariant(), NpgsqlDbType.Text);
            if (random.NextDouble() < 0.8)
            {
                writer.Write($"+351 9{random.Next(10_000_000, 99_999_999)}", NpgsqlDbType.Text);
            }
            else
            {
                writer.WriteNull();
            }

            writer.Write(random.NextDouble() < 0.3, NpgsqlDbType.Boolean);
            writer.Write(created, NpgsqlDbType.TimestampTz);
            writer.Write(created, NpgsqlDbType.TimestampTz);
            writer.Write(1, NpgsqlDbType.Integer);
        }

        writer.Complete();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyTrips(
        NpgsqlConnection connection, SeedOptions options, int active, (decimal Lat, decimal Lng)[] driverLocations,
        PricingOptions tariff, Random random, CancellationToken cancellationToken)
    {
        using var writer = connection.BeginBinaryImport(
            "COPY trips (id, public_id, passenger_id, driver_id, status, pickup_latitude, pickup_longitude, pickup_address, " +
            "dropoff_latitude, dropoff_longitude, dropoff_address, waypoints, distance_km, fare, currency, requested_at, " +
            "started_at, completed_at, cancelled_at, cancellation_reason, passenger_rating, version) FROM STDIN (FORMAT BINARY)");
        var firstActive = options.Trips - active + 1;
        var guid = new byte[16];
        for (var id = 1; id <= options.Trips; id++)
        {
            if (id % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var activeIndex = id - firstActive; // 0.. for active trips
            var isActive = activeIndex >= 0;
            var driverId = isActive ? activeIndex + 1 : random.Next(1, options.Drivers + 1);
            var passengerId = isActive ? activeIndex + 1 : random.Next(1, options.Passengers + 1);
            var pickup = isActive ? new GeoPoint(driverLocations[driverId].Lat, driverLocations[driverId].Lng) : ToPoint(RandomPoint(random));
            var dropoff = ToPoint(RandomPoint(random));
            var waypoints = new List<GeoPoint>();
            for (var w = random.Next(0, 4) - 1; w > 0; w--)
            {
                waypoints.Add(ToPoint(RandomPoint(random)));
            }

            var distance = FareCalculator.RouteDistanceKm(pickup, waypoints, dropoff);
            var requested = isActive ? Epoch.AddMinutes(-random.Next(1, 30)) : Epoch.AddDays(-random.Next(1, 365)).AddSeconds(random.Next(86_400));
            string status;
            DateTime? startedAt = null, completedAt = null, cancelledAt = null;
            decimal? fare = null;
            string? reason = null;
            short? rating = null;
            if (isActive)
            {
                status = activeIndex % 2 == 0 ? "assigned" : "in_progress";
                startedAt = status == "in_progress" ? requested.AddMinutes(random.Next(2, 8)) : null;
            }
            else if (random.NextDouble() < 0.88)
            {
                status = "completed";
                startedAt = requested.AddMinutes(random.Next(2, 10));
                var ride = TimeSpan.FromMinutes(((double)distance / 25.0 * 60) + random.Next(1, 10));
                completedAt = startedAt.Value + ride;
                fare = FareCalculator.Fare(tariff, distance, ride);
                rating = random.NextDouble() < 0.7 ? (short)Math.Max(1, 5 - (int)Math.Floor(random.NextDouble() * random.NextDouble() * 5)) : null;
            }
            else
            {
                status = "cancelled";
                cancelledAt = requested.AddMinutes(random.Next(1, 6));
                reason = CancelReasons[random.Next(CancelReasons.Length)];
            }

            random.NextBytes(guid);
            guid[7] = (byte)((guid[7] & 0x0F) | 0x40); // RFC 4122 version 4
            guid[8] = (byte)((guid[8] & 0x3F) | 0x80);

            writer.StartRow();
            writer.Write((long)id, NpgsqlDbType.Bigint);
            writer.Write(new Guid(guid), NpgsqlDbType.Uuid);
            writer.Write((long)passengerId, NpgsqlDbType.Bigint);
            writer.Write((long)driverId, NpgsqlDbType.Bigint);
            writer.Write(status, NpgsqlDbType.Text);
            writer.Write(pickup.Latitude, NpgsqlDbType.Numeric);
            writer.Write(pickup.Longitude, NpgsqlDbType.Numeric);
            WriteNullable(writer, random.NextDouble() < 0.5 ? $"Rua {LastNames[random.Next(LastNames.Length)]} {random.Next(1, 300)}" : null, NpgsqlDbType.Text);
            writer.Write(dropoff.Latitude, NpgsqlDbType.Numeric);
            writer.Write(dropoff.Longitude, NpgsqlDbType.Numeric);
            WriteNullable(writer, random.NextDouble() < 0.5 ? $"Avenida {LastNames[random.Next(LastNames.Length)]} {random.Next(1, 300)}" : null, NpgsqlDbType.Text);
            writer.Write(WaypointsJson(waypoints), NpgsqlDbType.Jsonb);
            writer.Write(distance, NpgsqlDbType.Numeric);
            WriteNullable(writer, fare, NpgsqlDbType.Numeric);
            writer.Write(tariff.Currency, NpgsqlDbType.Text);
            writer.Write(requested, NpgsqlDbType.TimestampTz);
            WriteNullable(writer, startedAt, NpgsqlDbType.TimestampTz);
            WriteNullable(writer, completedAt, NpgsqlDbType.TimestampTz);
            WriteNullable(writer, cancelledAt, NpgsqlDbType.TimestampTz);
            WriteNullable(writer, reason, NpgsqlDbType.Text);
            WriteNullable(writer, rating, NpgsqlDbType.Smallint);
            writer.Write(1, NpgsqlDbType.Integer);
        }

        writer.Complete();
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
        where T : class
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.Write(value, type);
        }
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } v)
        {
            writer.Write(v, type);
        }
        else
        {
            writer.WriteNull();
        }
    }

    // Same JSON shape EF writes for Trip.Waypoints (camelCase latitude/longitude).
    private static string WaypointsJson(List<GeoPoint> points)
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < points.Count; i++)
        {
            json.Append(i == 0 ? "" : ",")
                .Append("{\"latitude\":").Append(points[i].Latitude.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Append(",\"longitude\":").Append(points[i].Longitude.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Append('}');
        }

        return json.Append(']').ToString();
    }

    private static (string First, string Last) Name(Random random) =>
        (FirstNames[random.Next(FirstNames.Length)], LastNames[random.Next(LastNames.Length)]);

    private static (decimal Lat, decimal Lng) RandomPoint(Random random) =>
        (Math.Round((decimal)(CenterLat + ((random.NextDouble() - 0.5) * 2 * Spread)), 6),
         Math.Round((decimal)(CenterLng + ((random.NextDouble() - 0.5) * 2 * Spread)), 6));

    private static GeoPoint ToPoint((decimal Lat, decimal Lng) p) => new(p.Lat, p.Lng);

    private static async Task<bool> HasDataAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM drivers) OR EXISTS (SELECT 1 FROM passengers) OR EXISTS (SELECT 1 FROM trips)", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
