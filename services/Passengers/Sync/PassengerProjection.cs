using RideShare.Passengers.Store;
using Strangler.Cdc.Apply;
using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace RideShare.Passengers.Sync;

/// <summary>
/// A change of the legacy <c>public.passengers</c> table as a store command: snapshot reads, inserts and updates put
/// the whole document, deletes leave a tombstone. Anything the store cannot hold throws <see cref="PoisonChangeException"/>.
/// </summary>
public static class PassengerProjection
{
    public const string Table = "public.passengers";

    public static PassengerCommand Project(SourceChange change)
    {
        var c = change.Change;
        switch (c.Operation)
        {
            case ChangeOperation.Delete:
                var keyRow = c.Key ?? c.Before ?? throw new PoisonChangeException("a delete without a key or a before image");
                return new PassengerCommand('D', new ChangeRow(keyRow, Table).Long("id"), change.Lsn, null);
            case ChangeOperation.Create or ChangeOperation.Update or ChangeOperation.Read:
                var document = Document(new ChangeRow(c.After ?? throw new PoisonChangeException($"a '{c.Operation}' change without an after image"), Table));
                return new PassengerCommand(change.IsSnapshot ? 'S' : 'P', document.Id, change.Lsn, document);
            default:
                throw new PoisonChangeException($"a '{c.Operation}' change is not applied to the store (after a truncate, run reconcile --repair)");
        }
    }

    /// <summary>The legacy row as the store's document (reconcile reads legacy rows through the same code).</summary>
    public static PassengerDocument Document(ChangeRow row) => new()
    {
        Id = row.Long("id"),
        FullName = row.Text("full_name"),
        Email = row.Text("email"),
        Phone = row.OptionalText("phone"),
        MarketingOptIn = row.Bool("marketing_opt_in"),
        CreatedAt = row.Timestamp("created_at"),
        UpdatedAt = row.Timestamp("updated_at"),
        Version = row.Int("version"),
    };

    public static bool HasUnavailableValue(PassengerDocument d) =>
        d.FullName == ChangeRow.Unavailable || d.Email == ChangeRow.Unavailable || d.Phone == ChangeRow.Unavailable;
}
