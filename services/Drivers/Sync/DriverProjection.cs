using RideShare.Contracts.Values;
using RideShare.Drivers.Store;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace RideShare.Drivers.Sync;

/// <summary>
/// A change of the legacy <c>public.drivers</c> table as a store command: snapshot reads and streamed inserts and
/// updates become puts of the whole row (an update under REPLICA IDENTITY DEFAULT carries no <c>before</c>, and
/// needs none), deletes become deletes with a tombstone. Unchanged TOASTed text reaches the script as Debezium's
/// placeholder, which keeps the stored value. Anything the store cannot hold throws
/// <see cref="PoisonChangeException"/>.
/// </summary>
public static class DriverProjection
{
    public const string Table = "public.drivers";

    public static DriverCommand Project(SourceChange change)
    {
        var c = change.Change;
        switch (c.Operation)
        {
            case ChangeOperation.Delete:
                var keyRow = c.Key ?? c.Before ?? throw new PoisonChangeException("a delete without a key or a before image");
                return new DriverCommand('D', Id(new ChangeRow(keyRow, Table)), change.Lsn, null, false, null);
            case ChangeOperation.Create or ChangeOperation.Update or ChangeOperation.Read:
                var row = new ChangeRow(c.After ?? throw new PoisonChangeException($"a '{c.Operation}' change without an after image"), Table);
                var record = Record(row);
                return new DriverCommand(change.IsSnapshot ? 'S' : 'P', record.Id, change.Lsn, null, false, record);
            default:
                throw new PoisonChangeException($"a '{c.Operation}' change is not applied to the store (after a truncate, run reconcile --repair)");
        }
    }

    /// <summary>The legacy row as the store's record (reconcile reads legacy rows through the same code).</summary>
    public static DriverRecord Record(ChangeRow row)
    {
        var statusText = row.Text("status");
        if (!StatusNames.TryParse<DriverStatus>(statusText, out var status))
        {
            throw new PoisonChangeException($"{Table}.status is '{statusText}', not offline, available or on_trip");
        }

        return new DriverRecord(
            Id(row), row.Text("full_name"), row.Text("email"), row.OptionalText("phone"), row.Text("licence_number"),
            row.Date("licence_expires_on"), row.Text("vehicle_make"), row.Text("vehicle_model"), row.Text("vehicle_plate"), status,
            row.OptionalDecimal("latitude"), row.OptionalDecimal("longitude"), row.OptionalTimestamp("location_updated_at"),
            row.OptionalDecimal("rating"), row.Int("rating_count"), row.Timestamp("created_at"), row.Timestamp("updated_at"), row.Int("version"));
    }

    private static long Id(ChangeRow row) => row.Long("id");
}
