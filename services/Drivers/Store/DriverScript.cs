namespace RideShare.Drivers.Store;

/// <summary>
/// The one Lua script every driver write goes through — API writes and sync batches alike — so a driver's hash
/// and its indexes always change together, atomically: <c>drivers:ids</c> (sorted by id, for paging),
/// <c>drivers:status:{status}</c>, <c>drivers:available</c> (GEO, available drivers with a position),
/// <c>drivers:email</c> and <c>drivers:licence</c> (unique values → id), <c>drivers:nextid</c>,
/// <c>drivers:deleted</c> (id → LSN of the legacy delete: a replayed older create must not bring it back).
/// A sync batch also stores its checkpoint and dead letters in the same run: exactly-once effect.
/// (Garnet does not run EVAL inside MULTI/EXEC, so the batch is one script, not a transaction of scripts.)
/// Each synced change applied to a driver adds one to its <c>syncApplied</c> field (and a delete to
/// <c>drivers:deleted:applied</c>), so a change applied twice would show in the data.
/// Staleness follows <c>Strangler.Cdc.Apply.RowOrder</c>; LSNs travel as 20-digit zero-padded text, so comparing
/// the text compares the numbers exactly (Lua's numbers would round beyond 2^53).
/// </summary>
internal static class DriverScript
{
    // ARGV: n, then n commands, then the checkpoint ('' for none), then m and m dead letters.
    // A command: op, id, lsn ('' for API writes), expected version ('' none), check uniqueness ('1'/'0'),
    // dead letter to store if the command cannot be applied ('' none), field count, field/value pairs.
    // Ops: 'S' snapshot put, 'P' put (a streamed change, or an API write), 'C' create (the script assigns the id),
    // 'D' delete.
    // Returns one "code:id" per command: 1 applied, 0 stale, -1 not found, -2 version changed, -3 email taken,
    // -4 licence taken, -5 dead-lettered (an unchanged TOASTed value for a row the store does not hold).
    public const string Text = """
        local unpack = table.unpack or unpack
        local UNAVAILABLE = '__debezium_unavailable_value'
        local function drop_indexes(id, key)
          local old = redis.call('HMGET', key, 'email', 'licenceNumber', 'status')
          if old[1] and redis.call('HGET', 'drivers:email', old[1]) == id then redis.call('HDEL', 'drivers:email', old[1]) end
          if old[2] and redis.call('HGET', 'drivers:licence', old[2]) == id then redis.call('HDEL', 'drivers:licence', old[2]) end
          if old[3] then redis.call('ZREM', 'drivers:status:' .. old[3], id) end
          redis.call('ZREM', 'drivers:available', id)
        end
        local function is_stale(id, key, lsn, snapshot)
          if lsn == '' then return false end
          local tomb = redis.call('HGET', 'drivers:deleted', id)
          if tomb and tomb >= lsn then return true end
          local cur = redis.call('HMGET', key, 'lsn', 'snap')
          return cur[1] ~= false and cur[1] ~= nil and cur[1] >= lsn and (snapshot or not cur[2])
        end
        local function put(op, id, lsn, expected, check, dead, pairs)
          local key = 'driver:' .. id
          local exists = redis.call('EXISTS', key) == 1
          if is_stale(id, key, lsn, op == 'S') then return 0 end
          if expected ~= '' then
            if not exists then return -1 end
            if redis.call('HGET', key, 'version') ~= expected then return -2 end
          end
          if op == 'P' and lsn ~= '' then
            for k = 2, #pairs, 2 do
              if pairs[k] == UNAVAILABLE then
                local kept = redis.call('HGET', key, pairs[k - 1])
                if not kept then
                  if dead ~= '' then redis.call('RPUSH', 'sync:deadletters', dead) end
                  return -5
                end
                pairs[k] = kept
              end
            end
          end
          local f = {}
          for k = 1, #pairs, 2 do f[pairs[k]] = pairs[k + 1] end
          if check == '1' then
            local owner = redis.call('HGET', 'drivers:email', f['email'])
            if owner and owner ~= id then return -3 end
            owner = redis.call('HGET', 'drivers:licence', f['licenceNumber'])
            if owner and owner ~= id then return -4 end
          end
          local keep = redis.call('HMGET', key, 'lsn', 'snap', 'syncApplied')
          if exists then drop_indexes(id, key) end
          redis.call('DEL', key)
          redis.call('HSET', key, unpack(pairs))
          if lsn ~= '' then
            redis.call('HSET', key, 'lsn', lsn)
            if op == 'S' then redis.call('HSET', key, 'snap', '1') end
            redis.call('HSET', key, 'syncApplied', tostring((tonumber(keep[3] or '0') or 0) + 1))
          else
            if keep[1] then redis.call('HSET', key, 'lsn', keep[1]) end
            if keep[2] then redis.call('HSET', key, 'snap', keep[2]) end
            if keep[3] then redis.call('HSET', key, 'syncApplied', keep[3]) end
          end
          local n = tonumber(id)
          redis.call('ZADD', 'drivers:ids', n, id)
          redis.call('ZADD', 'drivers:status:' .. f['status'], n, id)
          redis.call('HSET', 'drivers:email', f['email'], id)
          redis.call('HSET', 'drivers:licence', f['licenceNumber'], id)
          if f['status'] == 'available' and f['latitude'] and f['longitude'] then
            redis.call('GEOADD', 'drivers:available', f['longitude'], f['latitude'], id)
          end
          local next = tonumber(redis.call('GET', 'drivers:nextid') or '0')
          if n > next then redis.call('SET', 'drivers:nextid', id) end
          if lsn ~= '' then redis.call('HDEL', 'drivers:deleted', id) end
          return 1
        end
        local function del(id, lsn, expected)
          local key = 'driver:' .. id
          local exists = redis.call('EXISTS', key) == 1
          if is_stale(id, key, lsn, false) then return 0 end
          if expected ~= '' then
            if not exists then return -1 end
            if redis.call('HGET', key, 'version') ~= expected then return -2 end
          end
          if exists then
            drop_indexes(id, key)
            redis.call('ZREM', 'drivers:ids', id)
            redis.call('DEL', key)
          end
          if lsn ~= '' then
            redis.call('HSET', 'drivers:deleted', id, lsn)
            redis.call('HINCRBY', 'drivers:deleted:applied', id, 1)
          end
          if exists or lsn ~= '' then return 1 end
          return -1
        end
        local results = {}
        local i = 2
        for c = 1, tonumber(ARGV[1]) do
          local op, id, lsn, expected, check, dead = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
          local count = tonumber(ARGV[i + 6])
          local pairs = {}
          for k = 1, count * 2 do pairs[k] = ARGV[i + 6 + k] end
          i = i + 7 + count * 2
          if op == 'C' then
            id = tostring(redis.call('INCR', 'drivers:nextid'))
            for k = 1, #pairs, 2 do if pairs[k] == 'id' then pairs[k + 1] = id end end
            op = 'P'
          end
          local code
          if op == 'D' then code = del(id, lsn, expected) else code = put(op, id, lsn, expected, check, dead, pairs) end
          results[c] = tostring(code) .. ':' .. id
        end
        if ARGV[i] ~= '' then redis.call('SET', 'sync:checkpoint', ARGV[i]) end
        local m = tonumber(ARGV[i + 1])
        for k = 1, m do redis.call('RPUSH', 'sync:deadletters', ARGV[i + 1 + k]) end
        return results
        """;
}
