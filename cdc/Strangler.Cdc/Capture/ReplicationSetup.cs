using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>
/// What the connector checks and creates in the database before it streams: wal_level, the publication, the
/// slot (and whether an interrupted snapshot means starting it over), the snapshot's completion marker.
/// </summary>
internal sealed class ReplicationSetup(CdcOptions options, ILogger logger)
{
    /// <summary>
    /// A slot is created together with its snapshot; if the connector stopped before the snapshot was fully
    /// delivered, the rows not yet sent would never come from the stream. Such a slot (no completion marker)
    /// is dropped so the snapshot starts over — the one case where the connector drops a slot itself.
    /// </summary>
    public async Task<bool> DropIfSnapshotInterruptedAsync(NpgsqlConnection sql, bool slotExists, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS strangler_cdc_snapshots (slot_name text PRIMARY KEY, completed_at timestamptz NOT NULL)", sql))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var marker = new NpgsqlCommand("SELECT count(*) FROM strangler_cdc_snapshots WHERE slot_name = $1", sql);
        marker.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        var completed = (long)(await marker.ExecuteScalarAsync(cancellationToken))! > 0;
        if (!slotExists || completed)
        {
            return slotExists;
        }

        logger.LogWarning("The initial snapshot into slot {Slot} did not complete (the connector stopped during it): dropping the slot and starting over", options.Slot);
        await using var drop = new NpgsqlCommand("SELECT pg_drop_replication_slot($1)", sql);
        drop.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        await drop.ExecuteNonQueryAsync(cancellationToken);
        return false;
    }

    public async Task MarkSnapshotCompleteAsync(NpgsqlConnection sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO strangler_cdc_snapshots (slot_name, completed_at) VALUES ($1, now()) ON CONFLICT (slot_name) DO UPDATE SET completed_at = now()", sql);
        command.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task CheckWalLevelAsync(NpgsqlConnection sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SHOW wal_level", sql);
        var level = (string?)await command.ExecuteScalarAsync(cancellationToken);
        if (level != "logical")
        {
            throw new CdcConfigurationException(
                $"wal_level is '{level}', change data capture needs 'logical': set wal_level = logical in postgresql.conf and restart PostgreSQL.");
        }
    }

    public async Task EnsurePublicationAsync(NpgsqlConnection sql, IEnumerable<TableInfo> tables, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1", sql);
        exists.Parameters.Add(new NpgsqlParameter { Value = options.Publication });
        var covered = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await exists.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                covered.Add(reader.GetString(0));
            }
        }

        await using var publication = new NpgsqlCommand("SELECT count(*) FROM pg_publication WHERE pubname = $1", sql);
        publication.Parameters.Add(new NpgsqlParameter { Value = options.Publication });
        var publicationExists = (long)(await publication.ExecuteScalarAsync(cancellationToken))! > 0;
        var missing = tables.Where(t => !covered.Contains(t.QualifiedName)).Select(t => $"{PgIdentifier.Quote(t.Schema)}.{PgIdentifier.Quote(t.Name)}").ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var ddl = publicationExists
            ? $"ALTER PUBLICATION {PgIdentifier.Quote(options.Publication)} ADD TABLE {string.Join(", ", missing)}"
            : $"CREATE PUBLICATION {PgIdentifier.Quote(options.Publication)} FOR TABLE {string.Join(", ", missing)}";
        await using var create = new NpgsqlCommand(ddl, sql);
        await create.ExecuteNonQueryAsync(cancellationToken);
        logger.LogInformation("Publication {Publication} now covers {Tables}", options.Publication, string.Join(", ", missing));
    }

    public async Task<(bool Exists, ulong? LastCommit)> CheckSlotAsync(NpgsqlConnection sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT active, active_pid, plugin, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1", sql);
        command.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return (false, null);
        }

        if (reader.GetBoolean(0))
        {
            throw new CdcConfigurationException(
                $"Replication slot '{options.Slot}' is in use by another process (pid {(reader.IsDBNull(1) ? "?" : reader.GetInt32(1))}): stop that connector, or set Cdc:Slot to another slot.");
        }

        if (reader.GetString(2) != "pgoutput")
        {
            throw new CdcConfigurationException($"Replication slot '{options.Slot}' uses the '{reader.GetString(2)}' plugin, not pgoutput: set Cdc:Slot to another slot.");
        }

        // Resuming: the last commit already acknowledged is source.sequence[0] of the first change streamed now,
        // as Debezium's committed offset makes it.
        return (true, reader.IsDBNull(3) ? null : (ulong)NpgsqlLogSequenceNumber.Parse(reader.GetString(3)));
    }
}
