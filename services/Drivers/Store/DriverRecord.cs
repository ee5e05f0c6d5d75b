using System.Globalization;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Values;
using StackExchange.Redis;

namespace RideShare.Drivers.Store;

/// <summary>
/// A driver as the Drivers service stores it: one Redis hash per driver (<c>driver:{id}</c>), one field per
/// value in its text form (decimals at their scale, timestamps round-trip "O"), an absent field for null.
/// <see cref="Lsn"/> is the WAL position of the last legacy change applied to it (0 for the service's own writes),
/// <see cref="FromSnapshot"/> whether that change was a snapshot read (see <c>RowOrder</c>), <see cref="SyncApplied"/>
/// how many legacy changes the sync applied to it (exactly one per change: a replay never counts).
/// </summary>
public sealed record DriverRecord(
    long Id, string FullName, string Email, string? Phone, string LicenceNumber, DateOnly LicenceExpiresOn,
    string VehicleMake, string VehicleModel, string VehiclePlate, DriverStatus Status, decimal? Latitude, decimal? Longitude,
    DateTimeOffset? LocationUpdatedAt, decimal? Rating, int RatingCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version, ulong Lsn = 0, bool FromSnapshot = false, int SyncApplied = 0)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public DriverResponse ToResponse() => new(
        Id, FullName, Email, Phone, LicenceNumber, LicenceExpiresOn, new VehicleResponse(VehicleMake, VehicleModel, VehiclePlate),
        StatusNames.ToName(Status), Latitude is { } lat && Longitude is { } lng ? new GeoPoint(lat, lng).Rounded() : null,
        LocationUpdatedAt, Decimals.Fixed(Rating, 2), RatingCount, CreatedAt, UpdatedAt, Version);

    /// <summary>True when a text value is Debezium's placeholder for an unchanged TOASTed value (the script keeps the stored one).</summary>
    public bool HasUnavailableValue =>
        new[] { FullName, Email, Phone, LicenceNumber, VehicleMake, VehicleModel, VehiclePlate }.Contains(Strangler.Cdc.Apply.ChangeRow.Unavailable);

    /// <summary>The hash fields (the row's values; <c>lsn</c> is written by the store script).</summary>
    public List<(string Field, string Value)> ToFields()
    {
        var fields = new List<(string, string)>
        {
            ("id", Id.ToString(Inv)), ("fullName", FullName), ("email", Email), ("licenceNumber", LicenceNumber),
            ("licenceExpiresOn", LicenceExpiresOn.ToString("yyyy-MM-dd", Inv)), ("vehicleMake", VehicleMake), ("vehicleModel", VehicleModel),
            ("vehiclePlate", VehiclePlate), ("status", StatusNames.ToName(Status)), ("ratingCount", RatingCount.ToString(Inv)),
            ("createdAt", CreatedAt.ToString("O", Inv)), ("updatedAt", UpdatedAt.ToString("O", Inv)), ("version", Version.ToString(Inv)),
        };
        void Optional(string name, string? value)
        {
            if (value is not null)
            {
                fields.Add((name, value));
            }
        }

        Optional("phone", Phone);
        Optional("latitude", Decimals.Fixed(Latitude, 6)?.ToString(Inv));
        Optional("longitude", Decimals.Fixed(Longitude, 6)?.ToString(Inv));
        Optional("locationUpdatedAt", LocationUpdatedAt?.ToString("O", Inv));
        Optional("rating", Decimals.Fixed(Rating, 2)?.ToString(Inv));
        return fields;
    }

    /// <summary>Reads a stored hash; null when the driver does not exist.</summary>
    /// <exception cref="FormatException">The hash lacks a field or holds a value that does not parse (written by hand).</exception>
    public static DriverRecord? FromHash(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        try
        {
            return Parse(entries);
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException)
        {
            throw new FormatException($"the stored driver hash cannot be read: {e.Message}", e);
        }
    }

    private static DriverRecord Parse(HashEntry[] entries)
    {
        var f = entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        string? Get(string name) => f.TryGetValue(name, out var v) ? v : null;
        decimal? Dec(string name) => Get(name) is { } v ? decimal.Parse(v, NumberStyles.Number, Inv) : null;
        DateTimeOffset? Time(string name) => Get(name) is { } v ? DateTimeOffset.Parse(v, Inv, DateTimeStyles.RoundtripKind) : null;
        return new DriverRecord(
            long.Parse(f["id"], Inv), f["fullName"], f["email"], Get("phone"), f["licenceNumber"], DateOnly.ParseExact(f["licenceExpiresOn"], "yyyy-MM-dd", Inv),
            f["vehicleMake"], f["vehicleModel"], f["vehiclePlate"], StatusNames.Parse<DriverStatus>(f["status"]), Dec("latitude"), Dec("longitude"),
            Time("locationUpdatedAt"), Dec("rating"), int.Parse(f["ratingCount"], Inv), Time("createdAt")!.Value, Time("updatedAt")!.Value,
            int.Parse(f["version"], Inv), Get("lsn") is { } lsn ? ulong.Parse(lsn, Inv) : 0, Get("snap") is not null,
            Get("syncApplied") is { } applied ? int.Parse(applied, Inv) : 0);
    }
}
