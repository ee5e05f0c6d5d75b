using Npgsql.Replication.PgOutput;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>Decodes pgoutput tuples into the text values the encoder takes (one per column, null for SQL NULL).</summary>
internal static class TupleDecoder
{
    public static async Task<string?[]> ReadAsync(ReplicationTuple tuple, TableInfo table, CancellationToken cancellationToken)
    {
        var values = new string?[table.Columns.Count];
        var i = 0;
        await foreach (var value in tuple)
        {
            if (i < values.Length)
            {
                values[i] = value.IsDBNull ? null
                    : value.IsUnchangedToastedValue ? DebeziumEncoder.UnavailableValue
                    : await ReadTextAsync(value, cancellationToken);
            }

            i++;
        }

        return values;
    }

    /// <summary>
    /// pgoutput (protocol 1) sends column values in text form: decode the bytes directly instead of going
    /// through a type converter per value.
    /// </summary>
    private static async ValueTask<string> ReadTextAsync(ReplicationValue value, CancellationToken cancellationToken)
    {
        var length = value.Length;
        if (length <= 0)
        {
            return "";
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await using var stream = value.GetStream();
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A DEFAULT-identity delete carries only the key: other columns get null, or a zero value when NOT NULL.</summary>
    public static string?[] WithDefaults(TableInfo table, string?[] keyRow)
    {
        for (var i = 0; i < keyRow.Length; i++)
        {
            if (!table.Columns[i].IsKey)
            {
                keyRow[i] = DebeziumEncoder.DefaultFor(table.Columns[i]);
            }
        }

        return keyRow;
    }
}
