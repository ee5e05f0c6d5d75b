using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Strangler.Cdc.Apply;

namespace Strangler.Cdc.Sync.Reverse;

/// <summary>
/// Reverse sync (service → legacy) while a service owns its writes: applies its store's outbox
/// (<see cref="IReverseSyncSource"/>) into legacy in order, one legacy transaction per round under the PostgreSQL
/// replication origin <see cref="Origin"/>, whose progress is set to the round's last sequence number in that same
/// transaction (exactly once: after a crash, entries up to the progress are skipped and trimmed). The forward capture
/// skips transactions carrying our origins, so nothing loops back. A round writes each named row's current state; a
/// row legacy refuses (a constraint) is dead-lettered with the reason, the rest of the round applies.
/// </summary>
public sealed class ReverseSyncWorker(IReverseSyncSource source, string origin, string legacyConnectionString, TimeProvider time, ILogger logger)
    : BackgroundService, IReverseSync
{
    private const int RoundSize = 500;
    private readonly object _lock = new();
    private ReverseSyncStatus _status = new("starting", origin, 0, 0, 0, 0, null, null);

    public string Origin => origin;

    public ReverseSyncStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(legacyConnectionString);
                await connection.OpenAsync(stoppingToken);
                await SetupOriginAsync(connection, stoppingToken);
                backoff = TimeSpan.FromMilliseconds(100);
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await RoundAsync(connection, stoppingToken) == 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(10), time, stoppingToken); // idle: poll the outbox
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Update(s => s with { State = "retrying", LastError = e.Message });
                logger.LogWarning("Reverse sync of {Table}: {Error}; retrying in {Delay} ms", source.Table, e.Message, backoff.TotalMilliseconds);
                await Task.Delay(backoff, time, stoppingToken);
                backoff = TimeSpan.FromMilliseconds(Math.Min(5_000, backoff.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>Applies up to one round of the outbox; returns how many entries it consumed.</summary>
    public async Task<int> RoundAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var progress = await ProgressAsync(connection, cancellationToken);
        var written = await source.WrittenAsync(cancellationToken);
        var entries = await source.ReadAsync(RoundSize, cancellationToken);
        Update(s => s with { State = "running", WrittenPosition = written, AppliedPosition = progress, Pending = (long)(written - Math.Min(written, progress)), LastError = null });
        if (entries.Count == 0)
        {
            return 0;
        }

        var fresh = entries.Where(e => e.Seq > progress).ToList();
        if (fresh.Count > 0)
        {
            var last = fresh[^1].Seq;
            var dead = new List<string>();
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await using (var setup = new NpgsqlCommand("SELECT pg_replication_origin_xact_setup($1, $2)", connection, transaction))
                {
                    setup.Parameters.Add(new NpgsqlParameter { Value = new NpgsqlLogSequenceNumber(last), NpgsqlDbType = NpgsqlDbType.PgLsn });
                    setup.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
                    await setup.ExecuteNonQueryAsync(cancellationToken);
                }

                foreach (var id in fresh.Select(e => e.Id).Distinct().Order())
                {
                    await Execute(connection, transaction, "SAVEPOINT reverse_row", cancellationToken);
                    try
                    {
                        await source.WriteLegacyAsync(id, connection, transaction, cancellationToken);
                    }
                    catch (PostgresException e)
                    {
                        await Execute(connection, transaction, "ROLLBACK TO SAVEPOINT reverse_row", cancellationToken);
                        dead.Add(JsonSerializer.Serialize(new { reason = $"legacy refused {source.Table} {id}: {e.MessageText}", table = source.Table, id, seq = last, at = time.GetUtcNow() }));
                    }
                }

                await source.AfterRoundAsync(connection, transaction, cancellationToken);
                await transaction.CommitAsync(cancellationToken); // the rows and the origin's progress together
            }

            foreach (var letter in dead)
            {
                await source.DeadLetterAsync(letter, cancellationToken);
                logger.LogError("Reverse sync: {DeadLetter}", letter);
            }

            progress = last;
        }

        // Entries up to the progress are in legacy (a crash before this only means they are skipped next time).
        await source.TrimAsync(progress, cancellationToken);
        var deadLetters = await source.DeadLetterCountAsync(cancellationToken);
        Update(s => s with
        {
            AppliedPosition = progress, Pending = (long)(written - Math.Min(written, progress)), DeadLetters = deadLetters,
            LastAppliedAt = fresh.Count > 0 ? time.GetUtcNow() : s.LastAppliedAt,
        });
        return entries.Count;
    }

    private async Task SetupOriginAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(
            "SELECT pg_replication_origin_create($1) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_origin WHERE roname = $1)", connection))
        {
            create.Parameters.Add(new NpgsqlParameter { Value = origin });
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var setup = new NpgsqlCommand("SELECT pg_replication_origin_session_setup($1)", connection);
        setup.Parameters.Add(new NpgsqlParameter { Value = origin });
        await setup.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<ulong> ProgressAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_replication_origin_progress($1, true)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = origin });
        return await command.ExecuteScalarAsync(cancellationToken) is NpgsqlLogSequenceNumber lsn ? (ulong)lsn : 0;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private void Update(Func<ReverseSyncStatus, ReverseSyncStatus> change)
    {
        lock (_lock)
        {
            _status = change(_status);
        }
    }

    /// <summary>Moves <paramref name="table"/>'s identity past the highest id it holds (ids a service gave out), inside the round.</summary>
    public static async Task AdvanceIdentityAsync(string table, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence('{table}', 'id')::regclass AS s, (SELECT max(id) FROM {table}) AS m) x
            WHERE m > COALESCE(pg_sequence_last_value(s), 0)
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
