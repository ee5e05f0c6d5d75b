using Npgsql;
using RideShare.Passengers.Store;
using Strangler.Cdc.Sync.Reverse;

namespace RideShare.Passengers.Sync;

/// <summary>
/// The Passengers store's side of the reverse sync (<see cref="ReverseSyncWorker"/>): each API write adds a row to the
/// outbox table <c>passengers.reverse_outbox</c> in the same transaction as its document (Marten's QueueSqlCommand);
/// a round writes each named passenger's current document into legacy <c>passengers</c> (or deletes it).
/// </summary>
public sealed class PassengerReverseSource(NpgsqlDataSource own, PassengerStore store) : SqlOutboxSource(own, PassengerStore.OutboxTable, PassengerStore.ReverseDeadLetterTable)
{
    public override string Table => "passengers";

    public override async Task WriteLegacyAsync(long id, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var document = await store.GetAsync(id, cancellationToken);
        await using var command = new NpgsqlCommand(document is null
            ? "DELETE FROM passengers WHERE id = $1"
            : """
              INSERT INTO passengers (id, full_name, email, phone, marketing_opt_in, created_at, updated_at, version)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
              ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, email = excluded.email, phone = excluded.phone,
                  marketing_opt_in = excluded.marketing_opt_in, created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version
              """, connection, transaction);
        object?[] values = document is null
            ? [id]
            : [document.Id, document.FullName, document.Email, document.Phone, document.MarketingOptIn, document.CreatedAt, document.UpdatedAt, document.Version];
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

}
