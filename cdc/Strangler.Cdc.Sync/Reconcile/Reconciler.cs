using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Strangler.Cdc.Apply;

namespace Strangler.Cdc.Sync.Reconcile;

/// <summary>What to compare and how (the <c>Reconcile</c> section, and the command's flags).</summary>
public sealed class ReconcileOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Reconcile";

    /// <summary>Legacy rows per key range (each range: counts and checksums, then key by key if they differ).</summary>
    public int ChunkSize { get; set; } = 1_000;

    /// <summary>Comparisons a key must fail in a row to count as drift (a fresh legacy snapshot each time).</summary>
    public int Rounds { get; set; } = 3;

    /// <summary>How long to wait for the store to apply everything up to the legacy snapshot's position.</summary>
    public int WaitSeconds { get; set; } = 30;
}

/// <summary>
/// Compares a legacy table with a service's store, across engines, on a live system. Each round reads legacy at one
/// consistent snapshot (REPEATABLE READ) and notes its WAL position P, waits until the store's checkpoint has reached
/// P (so it holds every change committed before), then compares: the row counts, the XxHash64 checksum of each key
/// range of <see cref="ReconcileOptions.ChunkSize"/> legacy rows against the same range of the store, and, inside a
/// range whose checksums differ, key by key. A key the sync has written from a change at or after P is still moving
/// and is compared again; so is every differing key, with a fresh snapshot, and only keys that differ in
/// <see cref="ReconcileOptions.Rounds"/> rounds are drift. A repair writes the legacy state of exactly those keys
/// as a snapshot read (see <see cref="IReconcileStore.RepairAsync"/>), then checks them again.
/// </summary>
public sealed class Reconciler(
    string legacyConnectionString, string table, string keyColumn, Func<ChangeRow, CanonicalRow> canonical, IReconcileStore store,
    ReconcileOptions options, ILogger logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Compares legacy with the store (after the store caught up with legacy's current position); with <paramref name="repair"/>, re-applies legacy's rows for every drifted key.</summary>
    public async Task<ReconcileReport> RunAsync(bool repair, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(legacyConnectionString);
        var full = await FullRoundAsync(dataSource, cancellationToken);
        var candidates = full.Differing;
        var changing = full.Changing;
        for (var round = 2; round <= options.Rounds && (candidates.Count > 0 || changing.Count > 0); round++)
        {
            // Only what still differed (or was moving) is compared again, at a fresh snapshot.
            var next = await KeysRoundAsync(dataSource, [.. candidates.Keys, .. changing], cancellationToken);
            candidates = next.Differing;
            changing = next.Changing;
        }

        var drift = candidates.Values.OrderBy(d => d.Key).ToList();
        if (!repair || drift.Count == 0)
        {
            return new ReconcileReport(table, full.LegacyCount, full.StoreCount, full.Lsn, drift, [.. changing.Order()], 0, null);
        }

        var repaired = await RepairAsync(dataSource, drift.Select(d => d.Key).ToList(), cancellationToken);
        var after = await KeysRoundAsync(dataSource, drift.Select(d => d.Key).ToList(), cancellationToken);
        return new ReconcileReport(
            table, full.LegacyCount, full.StoreCount, full.Lsn, drift, [.. changing.Order()], repaired, after.Differing.Values.OrderBy(d => d.Key).ToList());
    }

    private async Task<Round> FullRoundAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var lsn = await SnapshotLsnAsync(connection, cancellationToken);
        var legacyCount = (long)(await Scalar(connection, $"SELECT count(*) FROM {table}", cancellationToken))!;
        await WaitForStoreAsync(lsn, cancellationToken);
        var storeCount = await store.CountAsync(cancellationToken);

        var round = new Round(lsn, legacyCount, storeCount);
        var after = long.MinValue;
        while (true)
        {
            var legacy = await ReadLegacyAsync(connection, $"{keyColumn} > $1 ORDER BY {keyColumn} LIMIT {options.ChunkSize}", after, cancellationToken);
            long? upper = legacy.Count == options.ChunkSize ? legacy[^1].Key : null;
            var stored = await store.ReadRangeAsync(after, upper, cancellationToken);
            if (legacy.Count != stored.Count || Checksum(legacy.Select(r => r.Row)) != Checksum(stored.Select(r => r.Row)))
            {
                Compare(round, legacy, stored);
            }

            if (upper is null)
            {
                break;
            }

            after = upper.Value;
        }

        await tx.CommitAsync(cancellationToken);
        return round;
    }

    private async Task<Round> KeysRoundAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<long> keys, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var lsn = await SnapshotLsnAsync(connection, cancellationToken);
        var legacy = await ReadLegacyAsync(connection, $"{keyColumn} = ANY($1) ORDER BY {keyColumn}", keys.ToArray(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await WaitForStoreAsync(lsn, cancellationToken);
        var stored = await store.ReadKeysAsync(keys, cancellationToken);
        var round = new Round(lsn, legacy.Count, stored.Count);
        Compare(round, legacy, stored);
        return round;
    }

    private async Task<int> RepairAsync(NpgsqlDataSource dataSource, List<long> keys, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var lsn = await SnapshotLsnAsync(connection, cancellationToken);
        var rows = new Dictionary<long, ChangeRow>();
        await using (var command = new NpgsqlCommand($"SELECT * FROM {table} WHERE {keyColumn} = ANY($1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = ReadRow(reader);
                rows[new ChangeRow(row, table).Long(keyColumn)] = new ChangeRow(row, table);
            }
        }

        await tx.CommitAsync(cancellationToken);
        await store.RepairAsync(keys.Select(k => (k, rows.GetValueOrDefault(k))).ToList(), lsn, cancellationToken);
        logger.LogInformation("Repaired {Count} key(s) of {Table} from the legacy snapshot at {Lsn}", keys.Count, table, new NpgsqlLogSequenceNumber(lsn));
        return keys.Count;
    }

    /// <summary>
    /// The first statement of the transaction: it takes the snapshot, and every commit it sees lies before the position
    /// read — the insert position, not the write position, which trails commits made with synchronous_commit=off.
    /// </summary>
    private static async Task<ulong> SnapshotLsnAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        (ulong)(NpgsqlLogSequenceNumber)(await Scalar(connection, "SELECT pg_current_wal_insert_lsn()", cancellationToken))!;

    private async Task WaitForStoreAsync(ulong lsn, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow().AddSeconds(options.WaitSeconds);
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var checkpoint = await store.ReadCheckpointAsync(cancellationToken);
            if (checkpoint is not null && checkpoint.Lsn >= lsn)
            {
                return;
            }

            if (_time.GetUtcNow() >= deadline)
            {
                logger.LogWarning(
                    "The store has applied up to {Applied}, legacy is at {Lsn}, and it did not catch up within {Seconds} s (is the service's sync running?); comparing anyway: rows changed since then show as drift",
                    new NpgsqlLogSequenceNumber(checkpoint?.Lsn ?? 0), new NpgsqlLogSequenceNumber(lsn), options.WaitSeconds);
                return;
            }

            // Polls the store's own checkpoint: the only signal it gives that it has reached a position.
            await Task.Delay(delay, _time, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(500, delay.TotalMilliseconds * 2));
        }
    }

    private void Compare(Round round, IReadOnlyList<LegacyRow> legacy, IReadOnlyList<StoredRow> stored)
    {
        var inStore = stored.ToDictionary(r => r.Row.Key);
        foreach (var row in legacy)
        {
            if (!inStore.Remove(row.Key, out var s))
            {
                round.Differing[row.Key] = new DriftedKey(row.Key, "missing", []);
            }
            else if (s.Row.Hash != row.Row.Hash)
            {
                if (!s.FromSnapshot && s.Lsn >= round.Lsn)
                {
                    round.Changing.Add(row.Key); // written by a change the legacy snapshot does not show yet
                }
                else
                {
                    round.Differing[row.Key] = new DriftedKey(row.Key, "different",
                        row.Row.DifferingFields(s.Row).Select(f => new FieldDifference(f, row.Row.Fields.GetValueOrDefault(f), s.Row.Fields.GetValueOrDefault(f))).ToList());
                }
            }
        }

        foreach (var s in inStore.Values)
        {
            if (!s.FromSnapshot && s.Lsn >= round.Lsn)
            {
                round.Changing.Add(s.Row.Key);
            }
            else
            {
                round.Differing[s.Row.Key] = new DriftedKey(s.Row.Key, "extra", []);
            }
        }
    }

    private async Task<List<LegacyRow>> ReadLegacyAsync(NpgsqlConnection connection, string where, object parameter, CancellationToken cancellationToken)
    {
        var rows = new List<LegacyRow>();
        await using var command = new NpgsqlCommand($"SELECT * FROM {table} WHERE {where}", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new ChangeRow(ReadRow(reader), table);
            var key = row.Long(keyColumn);
            CanonicalRow form;
            try
            {
                form = canonical(row);
            }
            catch (PoisonChangeException e)
            {
                form = CanonicalRow.Unreadable(key, e.Message);
            }

            rows.Add(new LegacyRow(key, form));
        }

        return rows;
    }

    /// <summary>A legacy row with the CLR types the Debezium reader gives (long for integers, DateOnly for dates).</summary>
    private static Dictionary<string, object?> ReadRow(NpgsqlDataReader reader)
    {
        var row = new Dictionary<string, object?>(reader.FieldCount, StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetDataTypeName(i) switch
            {
                "date" => reader.GetFieldValue<DateOnly>(i),
                "integer" or "smallint" => Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture),
                _ => reader.GetValue(i),
            };
        }

        return row;
    }

    private static ulong Checksum(IEnumerable<CanonicalRow> rows)
    {
        ulong sum = 0;
        foreach (var row in rows)
        {
            sum = unchecked((sum * 31) + row.Hash);
        }

        return sum;
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private sealed record LegacyRow(long Key, CanonicalRow Row);

    private sealed class Round(ulong lsn, long legacyCount, long storeCount)
    {
        public ulong Lsn { get; } = lsn;

        public long LegacyCount { get; } = legacyCount;

        public long StoreCount { get; } = storeCount;

        public Dictionary<long, DriftedKey> Differing { get; } = [];

        public HashSet<long> Changing { get; } = [];
    }
}
