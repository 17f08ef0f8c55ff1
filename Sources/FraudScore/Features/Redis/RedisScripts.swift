/// The Redis store's server-side steps, one Lua script per entity update, so each is atomic and
/// touches the keys of one hash slot (Redis Cluster works: every key names its entity in braces).
///
/// Keys: `fs:{c:ID}` a customer's transactions, `fs:{t:ID}` a terminal's, sorted sets scored by
/// time in Unix microseconds (exact in a double until 2255); `fs:{x:ID}` where a transaction is
/// held (`TERMINAL:TIME`), for labels. Members start with the transaction id as 20 digits (the
/// signed id offset by 2^63), so members at one time sort by id, as the offline pipeline orders
/// ties; a customer's member goes on with `:CENTS`, a terminal's with `:?`, `:0` or `:1` (its label).
/// Each script reads the windows and records the transaction; a member already held at that time
/// with that id is a retry, which only reads.
enum RedisScripts {
    /// KEYS[1] the customer. ARGV: time, id, cents, the exclusive starts of the 1, 7 and 30-day
    /// windows, the retention (µs), the key's TTL (s). Returns count and cents of each window, then
    /// late (older than the newest held) and repeated.
    static let customer = """
        local key, t, id = KEYS[1], tonumber(ARGV[1]), ARGV[2]
        \(recordOnce("id .. ':' .. ARGV[3]"))
        local starts = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])}
        local counts, sums = {0, 0, 0}, {0, 0, 0}
        local rows = redis.call('ZRANGEBYSCORE', key, '(' .. ARGV[6], ARGV[1], 'WITHSCORES')
        for i = 1, #rows, 2 do
          local m, s = rows[i], tonumber(rows[i + 1])
          if s < t or string.sub(m, 1, 20) <= id then
            local cents = tonumber(string.sub(m, 22))
            for w = 1, 3 do
              if s > starts[w] then counts[w] = counts[w] + 1; sums[w] = sums[w] + cents end
            end
          end
        end
        if repeated == 0 then
          local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
          redis.call('ZREMRANGEBYSCORE', key, '-inf', tonumber(newest[2]) - tonumber(ARGV[7]))
          redis.call('EXPIRE', key, ARGV[8])
        end
        return {counts[1], sums[1], counts[2], sums[2], counts[3], sums[3], late, repeated}
        """

    /// KEYS[1] the terminal. ARGV: time, id, the end of the delayed windows (time - 7 days), the
    /// exclusive starts of the 1, 7 and 30-day delayed windows, the retention (µs), the TTL (s).
    /// Returns count and frauds of each window, then late and repeated.
    static let terminal = """
        local key, t, id = KEYS[1], tonumber(ARGV[1]), ARGV[2]
        local starts = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])}
        local counts, frauds = {0, 0, 0}, {0, 0, 0}
        local rows = redis.call('ZRANGEBYSCORE', key, '(' .. ARGV[6], ARGV[3], 'WITHSCORES')
        for i = 1, #rows, 2 do
          local s, fraud = tonumber(rows[i + 1]), string.sub(rows[i], 22, 22) == '1'
          for w = 1, 3 do
            if s > starts[w] then
              counts[w] = counts[w] + 1
              if fraud then frauds[w] = frauds[w] + 1 end
            end
          end
        end
        \(recordOnce("id .. ':?'"))
        if repeated == 0 then
          local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
          redis.call('ZREMRANGEBYSCORE', key, '-inf', tonumber(newest[2]) - tonumber(ARGV[7]))
          redis.call('EXPIRE', key, ARGV[8])
        end
        return {counts[1], frauds[1], counts[2], frauds[2], counts[3], frauds[3], late, repeated}
        """

    /// Lua that adds `member` (an expression) at time `t` unless a member with this `id` is held
    /// there (`repeated`), noting whether it is older than the newest held (`late`).
    private static func recordOnce(_ member: String) -> String {
        """
        local repeated, late = 0, 0
        for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, ARGV[1], ARGV[1])) do
          if string.sub(m, 1, 20) == id then repeated = 1 end
        end
        if repeated == 0 then
          local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
          if newest[1] then
            local nt = tonumber(newest[2])
            if nt > t or (nt == t and string.sub(newest[1], 1, 20) > id) then late = 1 end
          end
          redis.call('ZADD', key, ARGV[1], \(member))
        end
        """
    }

    /// KEYS[1] the terminal. ARGV: time, id, label (0 or 1). Returns 1 when the transaction is
    /// held (its label is set), 0 when it is not (never recorded, or past the retention).
    static let label = """
        for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])) do
          if string.sub(m, 1, 20) == ARGV[2] then
            local labeled = ARGV[2] .. ':' .. ARGV[3]
            if m ~= labeled then
              redis.call('ZREM', KEYS[1], m)
              redis.call('ZADD', KEYS[1], ARGV[1], labeled)
            end
            return 1
          end
        end
        return 0
        """

    /// The 20-digit member prefix of a transaction id: ids sort as their digits do.
    static func member(_ id: Int64) -> String {
        let digits = String(UInt64(bitPattern: id) ^ (1 << 63))
        return String(repeating: "0", count: 20 - digits.count) + digits
    }

    static func customerKey(_ id: Int64) -> String { "fs:{c:\(id)}" }
    static func terminalKey(_ id: Int64) -> String { "fs:{t:\(id)}" }
    static func indexKey(_ id: Int64) -> String { "fs:{x:\(id)}" }
}
