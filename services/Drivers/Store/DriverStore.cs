using System.Globalization;
using RideShare.Contracts.Values;
using StackExchange.Redis;

namespace RideShare.Drivers.Store;

/// <summary>
/// Drivers in a Redis-protocol store (embedded Garnet, or any Redis/Valkey/Garnet server): reads straight from
/// the hashes and indexes, every write through <see cref="DriverScript"/>. With <paramref name="commitAof"/> (the
/// embedded Garnet, whose log is committed only on request) each write is followed by <c>COMMITAOF</c>, which
/// returns once the append-only log is on disk: nothing is acknowledged — to a client, or to the slot — before it
/// is durable, and a sync batch costs one log flush, not one per key. An external server's durability is its own
/// configuration (e.g. Redis <c>appendfsync always</c>).
/// </summary>
public sealed class DriverStore(IConnectionMultiplexer redis, bool commitAof = false, bool outbox = false)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private IDatabase Db => redis.GetDatabase();

    public static string Key(long id) => $"driver:{id.ToString(Inv)}";

    /// <summary>An LSN as the script compares it: 20 digits, zero-padded, so text order is number order.</summary>
    public static string FormatLsn(ulong lsn) => lsn.ToString("D20", Inv);

    public async Task<DriverRecord?> GetAsync(long id) => DriverRecord.FromHash(await Db.HashGetAllAsync(Key(id)));

    /// <summary>One page in id order (optionally of one status) and the total.</summary>
    public async Task<(IReadOnlyList<DriverRecord> Items, long Total)> PageAsync(DriverStatus? status, long skip, int take)
    {
        var index = status is { } s ? $"drivers:status:{StatusNames.ToName(s)}" : "drivers:ids";
        var db = Db;
        var total = await db.SortedSetLengthAsync(index);
        var ids = await db.SortedSetRangeByRankAsync(index, skip, skip + take - 1);
        var hashes = await Task.WhenAll(ids.Select(id => db.HashGetAllAsync($"driver:{id}")));
        return (hashes.Select(DriverRecord.FromHash).OfType<DriverRecord>().ToList(), total);
    }

    public async Task<long> CountAsync() => await Db.SortedSetLengthAsync("drivers:ids");

    /// <summary>The stored hashes of drivers with ids in (<paramref name="afterId"/>, <paramref name="toId"/>], in id order (reconcile).</summary>
    public async Task<IReadOnlyList<(long Id, HashEntry[] Hash)>> RawRangeAsync(long afterId, long? toId)
    {
        var ids = await Db.SortedSetRangeByScoreAsync("drivers:ids", afterId, toId ?? double.PositiveInfinity, Exclude.Start);
        return await RawKeysAsync(ids.Select(id => long.Parse(id.ToString(), Inv)).ToList());
    }

    /// <summary>The stored hashes of <paramref name="ids"/> (empty for a driver that does not exist), in id order.</summary>
    public async Task<IReadOnlyList<(long Id, HashEntry[] Hash)>> RawKeysAsync(IEnumerable<long> ids)
    {
        var db = Db;
        var ordered = ids.Order().ToList();
        var hashes = await Task.WhenAll(ordered.Select(id => db.HashGetAllAsync(Key(id))));
        return ordered.Select((id, i) => (id, hashes[i])).ToList();
    }

    public async Task<(DriverWriteOutcome Outcome, long Id)> WriteAsync(DriverCommand command) =>
        (await ApplyAsync([command], null, []))[0];

    /// <summary>Runs <paramref name="commands"/>, stores <paramref name="checkpoint"/> and <paramref name="deadLetters"/>, all in one script.</summary>
    public async Task<IReadOnlyList<(DriverWriteOutcome Outcome, long Id)>> ApplyAsync(
        IReadOnlyList<DriverCommand> commands, string? checkpoint, IReadOnlyList<string> deadLetters) =>
        (await RunAsync(null, commands, checkpoint, deadLetters))!;

    /// <summary>
    /// Runs <paramref name="commands"/> only if <paramref name="record"/>'s guard holds, and writes its record only if
    /// every command applied — one script. Null when the guard did not hold (nothing changed).
    /// </summary>
    public Task<IReadOnlyList<(DriverWriteOutcome Outcome, long Id)>?> WriteGuardedAsync(GuardedRecord record, params DriverCommand[] commands) =>
        RunAsync(record, commands, null, []);

    public async Task<Dictionary<string, string>?> RecordAsync(string key)
    {
        var hash = await Db.HashGetAllAsync(key);
        return hash.Length == 0 ? null : hash.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>The available drivers nearest to a point, closest first (up to <paramref name="count"/>).</summary>
    public async Task<IReadOnlyList<long>> NearestAvailableIdsAsync(decimal latitude, decimal longitude, int count)
    {
        var found = await Db.GeoSearchAsync(
            "drivers:available", (double)longitude, (double)latitude, new GeoSearchCircle(20_000, GeoUnit.Kilometers), count, true, Order.Ascending, GeoRadiusOptions.None);
        return found.Select(f => long.Parse(f.Member.ToString(), Inv)).ToList();
    }

    private async Task<IReadOnlyList<(DriverWriteOutcome Outcome, long Id)>?> RunAsync(
        GuardedRecord? record, IReadOnlyList<DriverCommand> commands, string? checkpoint, IReadOnlyList<string> deadLetters)
    {
        var args = new List<RedisValue>(commands.Count * 40 + 8)
        {
            outbox ? "1" : "0", record?.GuardKey ?? "", record?.GuardState ?? "", record?.Key ?? "", record?.Fields.Count ?? 0,
        };
        foreach (var (field, value) in record?.Fields ?? [])
        {
            args.Add(field);
            args.Add(value);
        }

        args.Add(commands.Count);
        foreach (var c in commands)
        {
            args.Add(c.Op.ToString());
            args.Add(c.Id.ToString(Inv));
            args.Add(c.Lsn is { } lsn ? FormatLsn(lsn) : "");
            args.Add(c.ExpectedVersion?.ToString(Inv) ?? "");
            args.Add(c.CheckUnique ? "1" : "0");
            args.Add(c.DeadLetter ?? "");
            var fields = c.Record?.ToFields() ?? [];
            args.Add(fields.Count);
            foreach (var (field, value) in fields)
            {
                args.Add(field);
                args.Add(value);
            }
        }

        args.Add(checkpoint ?? "");
        args.Add(deadLetters.Count);
        args.AddRange(deadLetters.Select(d => (RedisValue)d));
        var db = Db;
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(DriverScript.Text, [], [.. args]))!;
        if (commitAof)
        {
            await db.ExecuteAsync("COMMITAOF");
        }

        if (result.Length == 1 && result[0].ToString() == "G")
        {
            return null;
        }

        return result.Select(r =>
        {
            var text = r.ToString()!;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return ((DriverWriteOutcome)int.Parse(text[..colon], Inv), long.Parse(text[(colon + 1)..], Inv));
        }).ToList();
    }

    public async Task<string?> CheckpointAsync() => (string?)await Db.StringGetAsync("sync:checkpoint");

    public async Task<long> DeadLetterCountAsync() => await Db.ListLengthAsync("sync:deadletters");

    public async Task<IReadOnlyList<string>> DeadLettersAsync() => (await Db.ListRangeAsync("sync:deadletters")).Select(v => v.ToString()).ToList();
}
