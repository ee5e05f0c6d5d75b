using Npgsql;

namespace Strangler.Cdc.Sync.Reverse;

/// <summary>
/// A service store's side of the reverse sync (service → legacy): its transactional outbox — one entry per write the
/// service took, written in the same commit (Lua script, MULTI/EXEC or transaction) as the data — and how a row's
/// current state is written into legacy.
/// </summary>
public interface IReverseSyncSource
{
    /// <summary>The legacy table written, e.g. <c>drivers</c> (for messages).</summary>
    string Table { get; }

    /// <summary>The sequence number of the newest outbox entry ever written (0 when none).</summary>
    Task<ulong> WrittenAsync(CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> outbox entries, oldest first: their sequence number and the row's key.</summary>
    Task<IReadOnlyList<(ulong Seq, long Id)>> ReadAsync(int max, CancellationToken cancellationToken);

    /// <summary>Removes exactly these outbox entries (they are in legacy); entries written meanwhile stay.</summary>
    Task TrimAsync(IReadOnlyList<ulong> seqs, CancellationToken cancellationToken);

    /// <summary>Writes the row's current state into legacy (an upsert, or a delete when the store no longer holds it).</summary>
    Task WriteLegacyAsync(long id, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Runs once per round in its transaction, after the rows (e.g. to move legacy's identity past new ids).</summary>
    Task AfterRoundAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Keeps an outbox entry the reverse sync cannot apply, with the reason, and takes it out of the queue.</summary>
    Task DeadLetterAsync(string letter, CancellationToken cancellationToken);

    /// <summary>How many outbox entries are dead-lettered.</summary>
    Task<long> DeadLetterCountAsync(CancellationToken cancellationToken);
}
