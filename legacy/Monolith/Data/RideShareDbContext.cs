using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Values;

namespace RideShare.Monolith.Data;

/// <summary>
/// EF Core view of the shared RideShare database. The schema itself is owned by the FluentMigrator
/// migrations in Migrations/; this model only maps onto it (snake_case columns, text statuses, jsonb route).
/// </summary>
public sealed class RideShareDbContext(DbContextOptions<RideShareDbContext> options) : DbContext(options)
{
    private static readonly JsonSerializerOptions WaypointJson = new(JsonSerializerDefaults.Web);

    public DbSet<Driver> Drivers => Set<Driver>();
    public DbSet<Passenger> Passengers => Set<Passenger>();
    public DbSet<Trip> Trips => Set<Trip>();
    public DbSet<DriverReservation> DriverReservations => Set<DriverReservation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Driver>(driver =>
        {
            driver.ToTable("drivers");
            driver.Property(d => d.Status).HasConversion(v => StatusNames.ToName(v), v => StatusNames.Parse<DriverStatus>(v));
            driver.Property(d => d.Version).IsConcurrencyToken();
        });

        modelBuilder.Entity<Passenger>(passenger =>
        {
            passenger.ToTable("passengers");
            passenger.Property(p => p.Version).IsConcurrencyToken();
        });

        modelBuilder.Entity<Trip>(trip =>
        {
            trip.ToTable("trips");
            trip.Property(t => t.Reference).HasColumnName("public_id");
            trip.Property(t => t.Status).HasConversion(v => StatusNames.ToName(v), v => StatusNames.Parse<TripStatus>(v));
            trip.Property(t => t.Waypoints)
                .HasColumnType("jsonb")
                .HasConversion(
                    v => JsonSerializer.Serialize(v, WaypointJson),
                    v => JsonSerializer.Deserialize<List<GeoPoint>>(v, WaypointJson) ?? new List<GeoPoint>(),
                    new ValueComparer<List<GeoPoint>>(
                        (a, b) => a!.SequenceEqual(b!),
                        v => v.Aggregate(0, (h, p) => HashCode.Combine(h, p.GetHashCode())),
                        v => v.ToList()));
            trip.Property(t => t.Version).IsConcurrencyToken();
            trip.Ignore(t => t.Pickup);
            trip.Ignore(t => t.Dropoff);
            trip.HasOne(t => t.Passenger).WithMany().HasForeignKey(t => t.PassengerId);
            trip.HasOne(t => t.Driver).WithMany().HasForeignKey(t => t.DriverId);
        });

        modelBuilder.Entity<DriverReservation>(reservation =>
        {
            reservation.ToTable("driver_reservations");
            reservation.HasKey(r => r.Key);
            reservation.Property(r => r.State).HasConversion(v => StatusNames.ToName(v), v => StatusNames.Parse<ReservationState>(v));
        });

        // Columns are snake_case, as the migrations create them.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                if (property.GetColumnName() == property.Name)
                {
                    property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
                }
            }
        }
    }
}
