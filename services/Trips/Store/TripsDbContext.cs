using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using RideShare.Contracts.Values;

namespace RideShare.Trips.Store;

/// <summary>EF Core over the Trips database; the schema is the FluentMigrator migrations' (Migrations/).</summary>
public sealed class TripsDbContext(DbContextOptions<TripsDbContext> options) : DbContext(options)
{
    private static readonly JsonSerializerOptions WaypointJson = new(JsonSerializerDefaults.Web);

    public DbSet<TripRow> Trips => Set<TripRow>();
    public DbSet<TripRequestRow> Requests => Set<TripRequestRow>();
    public DbSet<OutboxRow> Outbox => Set<OutboxRow>();

    /// <summary>Whether the service's writes go to the reverse sync's outbox (when it syncs with legacy).</summary>
    public bool WritesOutbox { get; init; }

    public override Task<int> SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        if (WritesOutbox)
        {
            // Every trip this save writes goes to the outbox in the same transaction (one SaveChanges).
            foreach (var trip in ChangeTracker.Entries<TripRow>().Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted).ToList())
            {
                Outbox.Add(new OutboxRow { Id = trip.Entity.Id });
            }
        }

        return base.SaveChangesAsync(cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TripRow>(trip =>
        {
            trip.ToTable("trips");
            trip.Property(t => t.Id).ValueGeneratedNever();
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
        });

        modelBuilder.Entity<OutboxRow>(outbox =>
        {
            outbox.ToTable("reverse_outbox");
            outbox.HasKey(o => o.Seq);
            outbox.Property(o => o.Seq).ValueGeneratedOnAdd();
        });

        modelBuilder.Entity<TripRequestRow>(request =>
        {
            request.ToTable("trip_requests");
            request.HasKey(r => r.IdempotencyKey);
        });

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
