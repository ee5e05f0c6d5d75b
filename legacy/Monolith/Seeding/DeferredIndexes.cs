using Npgsql;

namespace RideShare.Monolith.Seeding;

/// <summary>
/// The bulk-load technique pg_restore uses: drop a set of tables' secondary indexes, unique and foreign-key
/// constraints, load, then rebuild them from their own catalog definitions (so the schema stays owned by
/// the migrations, whatever they define). Building an index once after the load is several times faster
/// than maintaining it row by row, and a foreign key is then checked with one join instead of a trigger
/// per row. Must run inside the loading transaction: on rollback nothing was ever dropped.
/// </summary>
internal sealed class DeferredIndexes
{
    private readonly List<string> _restore;

    private DeferredIndexes(List<string> restore) => _restore = restore;

    public static async Task<DeferredIndexes> DropAsync(NpgsqlConnection connection, string[] tables, CancellationToken cancellationToken)
    {
        var drop = new List<string>();
        var restoreIndexes = new List<string>();
        var restoreUnique = new List<string>();
        var restoreForeign = new List<string>();

        await using (var constraints = new NpgsqlCommand("""
            SELECT c.contype, c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.conrelid = ANY (SELECT unnest($1::text[])::regclass) AND c.contype IN ('f', 'u')
            ORDER BY c.contype, c.conname
            """, connection))
        {
            constraints.Parameters.Add(new NpgsqlParameter { Value = tables });
            await using var reader = await constraints.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var (type, table, name, definition) = (reader.GetChar(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
                drop.Insert(type == 'f' ? 0 : drop.Count, $"ALTER TABLE {table} DROP CONSTRAINT {name}");
                (type == 'f' ? restoreForeign : restoreUnique).Add($"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}");
            }
        }

        await using (var indexes = new NpgsqlCommand("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY (SELECT unnest($1::text[])::regclass)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
            ORDER BY 1
            """, connection))
        {
            indexes.Parameters.Add(new NpgsqlParameter { Value = tables });
            await using var reader = await indexes.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                drop.Add($"DROP INDEX {reader.GetString(0)}");
                restoreIndexes.Add(reader.GetString(1));
            }
        }

        await ExecuteAsync(connection, drop, cancellationToken);
        return new DeferredIndexes([.. restoreIndexes, .. restoreUnique, .. restoreForeign]);
    }

    public Task RestoreAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, _restore, cancellationToken);

    private static async Task ExecuteAsync(NpgsqlConnection connection, List<string> statements, CancellationToken cancellationToken)
    {
        if (statements.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
