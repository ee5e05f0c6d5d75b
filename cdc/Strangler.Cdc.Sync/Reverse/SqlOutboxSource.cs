using Npgsql;

namespace Strangler.Cdc.Sync.Reverse;

/// <summary>
/// The outbox half of <see cref="IReverseSyncSource"/> for a PostgreSQL store: an outbox table <c>(seq bigserial, id
/// bigint)</c> written in the same transaction as the data, and a dead-letter table <c>(id bigserial, body text)</c>.
/// A store supplies how a row is written into legacy.
/// </summary>
public abstract class SqlOutboxSource(NpgsqlDataSource own, string outboxTable, string deadLetterTable) : IReverseSyncSource
{
    /// <summary>The outbox table.</summary>
    public abstract string Table { get; }

    /// <summary>How many entries were ever written to the outbox (its highest sequence number).</summary>
    public async Task<ulong> WrittenAsync(CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {outboxTable}_seq_seq");
        return (ulong)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The oldest entries not yet applied, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<(ulong Seq, long Id)>> ReadAsync(int max, CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"SELECT seq, id FROM {outboxTable} ORDER BY seq LIMIT {max}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<(ulong, long)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(((ulong)reader.GetInt64(0), reader.GetInt64(1)));
        }

        return entries;
    }

    /// <summary>Removes entries applied to legacy.</summary>
    public async Task TrimAsync(IReadOnlyList<ulong> seqs, CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"DELETE FROM {outboxTable} WHERE seq = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = seqs.Select(s => (long)s).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Applies one changed key to legacy inside the reverse sync's transaction.</summary>
    public abstract Task WriteLegacyAsync(long id, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Runs after each applied round, in the same legacy transaction (e.g. to advance sequences).</summary>
    public Task AfterRoundAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ReverseSyncWorker.AdvanceIdentityAsync(Table, connection, transaction, cancellationToken);

    /// <summary>Moves an entry to the dead-letter table with its reason.</summary>
    public async Task DeadLetterAsync(string letter, CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"INSERT INTO {deadLetterTable} (body) VALUES ($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = letter });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many entries are dead-lettered.</summary>
    public async Task<long> DeadLetterCountAsync(CancellationToken cancellationToken)
    {
        await using var command = own.CreateCommand($"SELECT count(*) FROM {deadLetterTable}");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
