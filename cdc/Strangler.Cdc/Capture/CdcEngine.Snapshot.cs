using Microsoft.Extensions.Logging;
using Npgsql;
using Npgsql.Replication.PgOutput;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>The initial snapshot: every captured table read inside the slot's exported snapshot.</summary>
public sealed partial class CdcEngine
{
    /// <summary>
    /// Reads every captured table inside the slot's exported snapshot: exactly the rows committed before the
    /// slot's consistent point, which is where streaming starts.
    /// </summary>
    private async Task SnapshotAsync(string connectionString, PgOutputReplicationSlot slot, List<TableInfo> tables, DebeziumEncoder encoder, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using (var setSnapshot = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{slot.SnapshotName}'", connection, transaction))
        {
            await setSnapshot.ExecuteNonQueryAsync(cancellationToken);
        }

        // Debezium's snapshot events carry the snapshot transaction's id.
        await using var txid = new NpgsqlCommand("SELECT txid_current()", connection, transaction);
        var snapshotTxId = (long)(await txid.ExecuteScalarAsync(cancellationToken))!;
        var lsn = (ulong)slot.ConsistentPoint;
        var readAt = _time.GetUtcNow();
        var batch = new List<ChangeRecord>(options.MaxBatchSize);
        var first = true;
        for (var t = 0; t < tables.Count; t++)
        {
            var table = tables[t];
            var lastTable = t == tables.Count - 1;
            var columns = string.Join(", ", table.Columns.Select(c => $"{PgIdentifier.Quote(c.Name)}::text"));
            await using var command = new NpgsqlCommand($"SELECT {columns} FROM {PgIdentifier.Quote(table.Schema)}.{PgIdentifier.Quote(table.Name)}", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            string?[]? pending = null;
            var firstInTable = true;
            long rows = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new string?[table.Columns.Count];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
                }

                if (pending is not null)
                {
                    var marker = first ? "first" : firstInTable ? "first_in_data_collection" : "true";
                    Add(batch, encoder, table, ChangeOperation.Read, null, pending, SourceInfo.Captured(marker, readAt, snapshotTxId, lsn, null));
                    first = false;
                    firstInTable = false;
                    await FlushIfFullAsync(batch, cancellationToken);
                }

                pending = row;
                rows++;
                Interlocked.Increment(ref _snapshotRows);
            }

            if (pending is not null)
            {
                var marker = lastTable ? "last" : "last_in_data_collection";
                Add(batch, encoder, table, ChangeOperation.Read, null, pending, SourceInfo.Captured(marker, readAt, snapshotTxId, lsn, null));
                first = false;
            }

            logger.LogInformation("Snapshot of {Table}: {Rows} rows", table.QualifiedName, rows);
        }

        await PublishAsync(batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task FlushIfFullAsync(List<ChangeRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count >= options.MaxBatchSize)
        {
            await PublishAsync(batch, cancellationToken);
        }
    }

    private async Task PublishAsync(List<ChangeRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await sink.PublishAsync(batch, cancellationToken);
        Interlocked.Add(ref _eventsPublished, batch.Count);
        batch.Clear(); // the sink has finished with the list
    }
}
