using Npgsql;
using RideShare.Passengers.Store;
using Strangler.Cdc.Sync.Reverse;

namespace RideShare.Passengers.Sync;

/// <summary>
/// The Passengers store's side of the reverse sync (<see cref="ReverseSyncWorker"/>): each API write adds a row to the
/// outbox table <c>passengers.reverse_outbox</c> in the same transaction as its document (Marten's QueueSqlCommand);
/// a round writes each named passenger's current document into legacy <c>passengers</c> (or deletes it).
/// </summary>
public sealed class PassengerReverseSource(NpgsqlDataSource own, PassengerStore store) : IReverseSyncSource
{
    public string Table => "passengers";

    public async Task<ulong> WrittenAsync(CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand(
            $"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {PassengerStore.OutboxTable}_seq_seq");
        return (ulong)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<(ulong Seq, long Id)>> ReadAsync(int max, CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"SELECT seq, id FROM {PassengerStore.OutboxTable} ORDER BY seq LIMIT {max}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<(ulong, long)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(((ulong)reader.GetInt64(0), reader.GetInt64(1)));
        }

        return entries;
    }

    public async Task TrimAsync(ulong seq, CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"DELETE FROM {PassengerStore.OutboxTable} WHERE seq <= $1");
        command.Parameters.Add(new NpgsqlParameter { Value = (long)seq });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task WriteLegacyAsync(long id, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
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

    public Task AfterRoundAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ReverseSyncWorker.AdvanceIdentityAsync("passengers", connection, transaction, cancellationToken);

    public async Task DeadLetterAsync(string letter, CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"INSERT INTO {PassengerStore.ReverseDeadLetterTable} (body) VALUES ($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = letter });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> DeadLetterCountAsync(CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"SELECT count(*) FROM {PassengerStore.ReverseDeadLetterTable}");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
