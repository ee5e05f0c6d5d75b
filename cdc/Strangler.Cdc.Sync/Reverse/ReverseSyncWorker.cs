using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Strangler.Cdc.Apply;

namespace Strangler.Cdc.Sync.Reverse;

/// <summary>
/// Reverse sync (service → legacy) while a service owns its writes: applies its store's outbox
/// (<see cref="IReverseSyncSource"/>) into legacy in order, one legacy transaction per round under the PostgreSQL
/// replication origin <see cref="Origin"/>, whose progress is set to the round's last sequence number in that same
/// transaction. A round writes each named row's current state, so repeating one (a crash before the outbox entries
/// were removed) changes nothing: effectively once. The forward capture skips transactions carrying our origins, so
/// nothing loops back. A row legacy refuses (a constraint) is dead-lettered with the reason, the rest of the round applies.
/// </summary>
public sealed class ReverseSyncWorker(IReverseSyncSource source, string origin, string legacyConnectionString, TimeProvider time, ILogger logger)
    : BackgroundService, IReverseSync
{
    private const int RoundSize = 500;
    private readonly object _lock = new();
    private ReverseSyncStatus _status = new("starting", origin, 0, 0, 0, 0, null, null);

    /// <summary>The replication origin the reverse sync's legacy transactions carry (the connector skips them).</summary>
    public string Origin => origin;

    /// <summary>The reverse sync's current figures (what /sync/status reports).</summary>
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

    /// <summary>The figures with the outbox's current depth read from the store.</summary>
    public async Task<ReverseSyncStatus> CurrentAsync(CancellationToken cancellationToken)
    {
        var written = await source.WrittenAsync(cancellationToken);
        var status = Status;
        var newest = Math.Max(written, status.WrittenPosition);
        return status with { WrittenPosition = newest, Pending = (long)(newest - Math.Min(newest, status.AppliedPosition)) };
    }

    /// <summary>Applies the outbox to legacy until stopped, retrying with backoff when legacy is unreachable.</summary>
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

    /// <summary>
    /// Applies up to one round of the outbox; returns how many entries it consumed. Each named row's current state is
    /// written (so applying an entry again changes nothing, and a crash between the legacy commit and the trim only
    /// repeats it); the entries applied are then removed exactly. The applied position is the newest written one once
    /// the outbox is empty, else just before the oldest entry left — an outbox written by concurrent transactions can
    /// show a later number before an earlier one commits, so positions are never skipped by number.
    /// </summary>
    public async Task<int> RoundAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var written = await source.WrittenAsync(cancellationToken);
        var entries = await source.ReadAsync(RoundSize, cancellationToken);
        if (entries.Count == 0)
        {
            Update(s => s with { State = "running", WrittenPosition = written, AppliedPosition = written, Pending = 0, LastError = null, Rounds = s.Rounds + 1 });
            return 0;
        }

        var last = entries.Max(e => e.Seq);
        var dead = new List<string>();
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var setup = new NpgsqlCommand("SELECT pg_replication_origin_xact_setup($1, $2)", connection, transaction))
            {
                setup.Parameters.Add(new NpgsqlParameter { Value = new NpgsqlLogSequenceNumber(last), NpgsqlDbType = NpgsqlDbType.PgLsn });
                setup.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
                await setup.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var id in entries.Select(e => e.Id).Distinct().Order())
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

        await source.TrimAsync(entries.Select(e => e.Seq).ToList(), cancellationToken);
        var left = await source.ReadAsync(1, cancellationToken);
        var applied = left.Count == 0 ? Math.Max(written, last) : left[0].Seq - 1;
        var deadLetters = await source.DeadLetterCountAsync(cancellationToken);
        Update(s => s with
        {
            State = "running", WrittenPosition = Math.Max(written, last), AppliedPosition = applied,
            Pending = (long)(Math.Max(written, last) - Math.Min(Math.Max(written, last), applied)), DeadLetters = deadLetters,
            LastAppliedAt = time.GetUtcNow(), LastError = null, Rounds = s.Rounds + 1,
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
