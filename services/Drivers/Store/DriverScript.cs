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
/// the text compares the numbers exactly (Lua's numbers would round beyond 2^53). A row that exists was written
/// after any delete of its id, so only a missing row consults its tombstone.
/// The script reads each driver once (one HMGET) and touches an index only when the indexed value changed: a
/// typical update is three or four calls, which is what bounds the store's apply rate.
/// </summary>
internal static class DriverScript
{
    // ARGV: the outbox flag ('1': every API write — lsn '' — that applies appends "seq:op:id" to drivers:outbox, for the
    // reverse sync to legacy; the sequence is drivers:outbox:seq), then a guarded record (guard key, the state the guard's 'state' field must have — '' for "the guard key does
    // not exist" —, the record's key ('' for none), r and r field/value pairs), then n, then n commands, then the
    // checkpoint ('' for none), then m and m dead letters. A guard that does not hold changes nothing and returns
    // { 'G' }; the record is written only when every command returned 1 (so a reservation and its driver change
    // together or not at all).
    // A command: op, id, lsn ('' for API writes), expected version ('' none), check uniqueness ('1'/'0'),
    // dead letter to store if the command cannot be applied ('' none), field count, field/value pairs.
    // Ops: 'S' snapshot put, 'P' put (a streamed change, or an API write), 'C' create (the script assigns the id),
    // 'D' delete.
    // Returns one "code:id" per command: 1 applied, 0 stale, -1 not found, -2 version changed, -3 email taken,
    // -4 licence taken, -5 dead-lettered (an unchanged TOASTed value for a driver the store does not hold).
    public const string Text = """
        local unpack = table.unpack or unpack
        local UNAVAILABLE = '__debezium_unavailable_value'
        local OPTIONAL = { 'phone', 'latitude', 'longitude', 'locationUpdatedAt', 'rating' }
        local maxid = tonumber(redis.call('GET', 'drivers:nextid') or '0')
        local startid = maxid
        local function present(v) return v ~= false and v ~= nil end
        local function stale(cur, id, lsn, snapshot)
          if lsn == '' then return false end
          if present(cur[1]) then
            return present(cur[2]) and cur[2] >= lsn and (snapshot or not present(cur[3]))
          end
          local tomb = redis.call('HGET', 'drivers:deleted', id)
          return present(tomb) and tomb >= lsn
        end
        local OUTBOX = ARGV[1] == '1'
        local function outbox(op, id)
          if OUTBOX then
            local seq = redis.call('INCR', 'drivers:outbox:seq')
            redis.call('RPUSH', 'drivers:outbox', tostring(seq) .. ':' .. op .. ':' .. id)
          end
        end
        local function unindex_unique(index, value, id)
          if present(value) and redis.call('HGET', index, value) == id then redis.call('HDEL', index, value) end
        end
        local function put(op, id, lsn, expected, check, dead, pairs)
          local key = 'driver:' .. id
          local cur = redis.call('HMGET', key, 'version', 'lsn', 'snap', 'syncApplied', 'email', 'licenceNumber', 'status')
          local exists = present(cur[1])
          if stale(cur, id, lsn, op == 'S') then return 0 end
          if expected ~= '' then
            if not exists then return -1 end
            if cur[1] ~= expected then return -2 end
          end
          local f = {}
          for k = 1, #pairs, 2 do f[pairs[k]] = pairs[k + 1] end
          if op == 'P' and lsn ~= '' then
            for k = 2, #pairs, 2 do
              if pairs[k] == UNAVAILABLE then
                local kept = exists and redis.call('HGET', key, pairs[k - 1]) or false
                if not present(kept) then
                  if dead ~= '' then redis.call('RPUSH', 'sync:deadletters', dead) end
                  return -5
                end
                pairs[k] = kept
                f[pairs[k - 1]] = kept
              end
            end
          end
          if check == '1' then
            local owner = redis.call('HGET', 'drivers:email', f['email'])
            if present(owner) and owner ~= id then return -3 end
            owner = redis.call('HGET', 'drivers:licence', f['licenceNumber'])
            if present(owner) and owner ~= id then return -4 end
          end
          local n = tonumber(id)
          if exists then
            if cur[5] ~= f['email'] then
              unindex_unique('drivers:email', cur[5], id)
              redis.call('HSET', 'drivers:email', f['email'], id)
            end
            if cur[6] ~= f['licenceNumber'] then
              unindex_unique('drivers:licence', cur[6], id)
              redis.call('HSET', 'drivers:licence', f['licenceNumber'], id)
            end
            if cur[7] ~= f['status'] then
              if present(cur[7]) then redis.call('ZREM', 'drivers:status:' .. cur[7], id) end
              redis.call('ZADD', 'drivers:status:' .. f['status'], n, id)
            end
          else
            redis.call('DEL', key)
            redis.call('ZADD', 'drivers:ids', n, id)
            redis.call('ZADD', 'drivers:status:' .. f['status'], n, id)
            redis.call('HSET', 'drivers:email', f['email'], id)
            redis.call('HSET', 'drivers:licence', f['licenceNumber'], id)
          end
          if f['status'] == 'available' and f['latitude'] and f['longitude'] then
            redis.call('GEOADD', 'drivers:available', f['longitude'], f['latitude'], id)
          elseif exists and cur[7] == 'available' then
            redis.call('ZREM', 'drivers:available', id)
          end
          local remove = {}
          if lsn ~= '' then
            pairs[#pairs + 1] = 'lsn'
            pairs[#pairs + 1] = lsn
            pairs[#pairs + 1] = 'syncApplied'
            pairs[#pairs + 1] = tostring((tonumber(cur[4] or '0') or 0) + 1)
            if op == 'S' then
              pairs[#pairs + 1] = 'snap'
              pairs[#pairs + 1] = '1'
            elseif exists then
              remove[#remove + 1] = 'snap'
            end
          end
          redis.call('HSET', key, unpack(pairs))
          if exists then
            for _, name in ipairs(OPTIONAL) do
              if not f[name] then remove[#remove + 1] = name end
            end
            if #remove > 0 then redis.call('HDEL', key, unpack(remove)) end
          elseif lsn ~= '' then
            redis.call('HDEL', 'drivers:deleted', id)
          end
          if lsn == '' then outbox('P', id) end
          if n > maxid then maxid = n end
          return 1
        end
        local function del(id, lsn, expected)
          local key = 'driver:' .. id
          local cur = redis.call('HMGET', key, 'version', 'lsn', 'snap', 'syncApplied', 'email', 'licenceNumber', 'status')
          local exists = present(cur[1])
          if stale(cur, id, lsn, false) then return 0 end
          if expected ~= '' then
            if not exists then return -1 end
            if cur[1] ~= expected then return -2 end
          end
          if exists then
            unindex_unique('drivers:email', cur[5], id)
            unindex_unique('drivers:licence', cur[6], id)
            if present(cur[7]) then redis.call('ZREM', 'drivers:status:' .. cur[7], id) end
            if cur[7] == 'available' then redis.call('ZREM', 'drivers:available', id) end
            redis.call('ZREM', 'drivers:ids', id)
            redis.call('DEL', key)
          end
          if lsn ~= '' then
            redis.call('HSET', 'drivers:deleted', id, lsn)
            redis.call('HINCRBY', 'drivers:deleted:applied', id, 1)
          elseif exists then
            outbox('D', id)
          end
          if exists or lsn ~= '' then return 1 end
          return -1
        end
        local guard, guardState, recordKey = ARGV[2], ARGV[3], ARGV[4]
        local record = {}
        for k = 1, tonumber(ARGV[5]) * 2 do record[k] = ARGV[5 + k] end
        if guard ~= '' then
          local state = redis.call('HGET', guard, 'state')
          if (guardState == '' and present(state)) or (guardState ~= '' and state ~= guardState) then return { 'G' } end
        end
        local results = {}
        local all = true
        local i = 6 + #record
        local n = tonumber(ARGV[i])
        i = i + 1
        for c = 1, n do
          local op, id, lsn, expected, check, dead = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
          local count = tonumber(ARGV[i + 6])
          local pairs = {}
          for k = 1, count * 2 do pairs[k] = ARGV[i + 6 + k] end
          i = i + 7 + count * 2
          if op == 'C' then
            maxid = maxid + 1
            id = tostring(maxid)
            for k = 1, #pairs, 2 do if pairs[k] == 'id' then pairs[k + 1] = id end end
            op = 'P'
          end
          local code
          if op == 'D' then code = del(id, lsn, expected) else code = put(op, id, lsn, expected, check, dead, pairs) end
          results[c] = tostring(code) .. ':' .. id
          if code ~= 1 then all = false end
        end
        if recordKey ~= '' and all then redis.call('HSET', recordKey, unpack(record)) end
        if maxid > startid then redis.call('SET', 'drivers:nextid', tostring(maxid)) end
        if ARGV[i] ~= '' then redis.call('SET', 'sync:checkpoint', ARGV[i]) end
        local m = tonumber(ARGV[i + 1])
        for k = 1, m do redis.call('RPUSH', 'sync:deadletters', ARGV[i + 1 + k]) end
        return results
        """;
}
