using Npgsql;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>Reads captured tables' definitions from pg_catalog.</summary>
internal static class TableCatalog
{
    public static async Task<TableInfo> LoadAsync(NpgsqlConnection connection, string qualifiedName, CancellationToken cancellationToken)
    {
        var (schema, name) = Split(qualifiedName);
        await using var command = new NpgsqlCommand("""
            SELECT a.attname, a.atttypid::int8, a.atttypmod, NOT a.attnotnull,
                   coalesce(a.attnum = ANY (i.indkey), false),
                   t.typtype::text,
                   (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid),
                   c.relreplident::text,
                   t.typname::text,
                   CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
            LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
            ORDER BY a.attnum
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        var columns = new List<ColumnInfo>();
        var full = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var oid = (uint)reader.GetInt64(1);
                var kind = ColumnInfo.KindOf(oid, reader.GetString(5)[0]);
                var (precision, scale) = ColumnInfo.Modifier(kind, reader.GetInt32(2));
                columns.Add(new ColumnInfo(reader.GetString(0), kind, oid, reader.GetBoolean(3), reader.GetBoolean(4), precision, scale,
                    reader.IsDBNull(6) ? null : reader.GetString(6))
                {
                    Default = ColumnDefaults.Resolve(reader.GetString(8), kind, scale, reader.IsDBNull(9) ? null : reader.GetString(9)),
                });
                full = reader.GetString(7) == "f";
            }
        }

        if (columns.Count == 0)
        {
            throw new CdcConfigurationException($"Table {schema}.{name} does not exist (or has no columns): check Cdc:Tables.");
        }

        return new TableInfo(schema, name, columns, full);
    }

    public static (string Schema, string Name) Split(string qualifiedName)
    {
        var parts = qualifiedName.Split('.', 2);
        return parts.Length == 2 ? (parts[0], parts[1]) : ("public", parts[0]);
    }
}
