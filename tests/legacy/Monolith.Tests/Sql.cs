using Npgsql;

namespace RideShare.Monolith.Tests;

/// <summary>Reads straight from the database, to check what the API or a command really stored.</summary>
internal static class Sql
{
    public static async Task<List<string>> StringsAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public static async Task<List<string>> StringsAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await StringsAsync(dataSource, sql);
    }
}
