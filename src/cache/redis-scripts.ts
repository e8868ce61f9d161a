/**
 * The Lua scripts of the `redis` CacheStore. Each runs atomically in Redis, so the per-set byte cap
 * holds however many gateway replicas write at once. Per set (keys share the `{set}` hash tag, so
 * they sit in one cluster slot):
 *   <p>:{set}:e:<key>  the entry, a string with a PX TTL
 *   <p>:{set}:lru      sorted set: key → recency sequence (lowest = least recently used)
 *   <p>:{set}:exp      sorted set: key → expiry time (ms, Redis clock)
 *   <p>:{set}:size     hash: key → bytes as stored (#key + #value, Lua lengths are bytes)
 *   <p>:{set}:meta     hash: bytes (the set's total), seq (the recency sequence)
 * Redis expires entries without telling anyone, so the accounting is reconciled: `set` and `usage`
 * forget entries whose expiry has passed (from `exp`), `get` forgets an entry it finds missing,
 * and eviction forgets whatever it pops. The accounting keys get the longest TTL of the set's
 * entries, so an abandoned set disappears with its last entry.
 * Every script takes KEYS = lru, exp, size, meta and ARGV[1] = the entry key prefix.
 *
 * The shebang (Redis 7+) makes Redis check `maxmemory` before a script runs: without it, a script
 * whose first write is a DEL may then write past the limit. Only `set` grows memory, so only `set`
 * is refused when Redis is out of memory; the others may run (`allow-oom`) and free memory.
 */

/** The set's accounting keys, in the order the scripts expect them. */
export function accountingKeys(setPrefix: string): string[] {
  return [`${setPrefix}:lru`, `${setPrefix}:exp`, `${setPrefix}:size`, `${setPrefix}:meta`];
}

/** At most this many expired entries are forgotten by one `set`; eviction reclaims the rest. */
const RECONCILE_BATCH = 1000;

const PRELUDE = `
local lru, exp, size, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local entryPrefix = ARGV[1]
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Removes an entry and its accounting (both may already be gone).
local function forget(key)
  local bytes = redis.call('HGET', size, key)
  redis.call('DEL', entryPrefix .. key)
  redis.call('HDEL', size, key)
  redis.call('ZREM', lru, key)
  redis.call('ZREM', exp, key)
  if bytes then redis.call('HINCRBY', meta, 'bytes', -tonumber(bytes)) end
end
-- Forgets up to limit entries whose TTL has passed; returns how many.
local function reconcile(now, limit)
  local expired = redis.call('ZRANGE', exp, '-inf', now, 'BYSCORE', 'LIMIT', 0, limit)
  for _, key in ipairs(expired) do forget(key) end
  return #expired
end
local function used()
  return tonumber(redis.call('HGET', meta, 'bytes') or '0')
end
`;

/** ARGV: prefix, key → the value (recency refreshed) or nil. */
export const GET_SCRIPT = `#!lua flags=allow-oom${PRELUDE}
local key = ARGV[2]
local value = redis.call('GET', entryPrefix .. key)
if not value then
  forget(key)
  return false
end
redis.call('ZADD', lru, 'XX', redis.call('HINCRBY', meta, 'seq', 1), key)
return value
`;

/**
 * ARGV: prefix, key, value, ttlMs, capBytes → 'stored' | 'too-large'. Least recently used entries
 * are evicted until the new one fits; a value that cannot fit leaves no entry under its key.
 */
export const SET_SCRIPT = `#!lua${PRELUDE}
local key, value = ARGV[2], ARGV[3]
local ttl, cap = tonumber(ARGV[4]), tonumber(ARGV[5])
local bytes = #key + #value
local now = nowMs()
forget(key)
if bytes > cap then return 'too-large' end
reconcile(now, ${RECONCILE_BATCH})
while used() + bytes > cap do
  local oldest = redis.call('ZRANGE', lru, 0, 0)[1]
  if not oldest then
    -- Nothing left to evict, so nothing is held: repair a drifted total.
    redis.call('HSET', meta, 'bytes', 0)
    break
  end
  forget(oldest)
end
redis.call('SET', entryPrefix .. key, value, 'PX', ttl)
redis.call('HSET', size, key, bytes)
redis.call('ZADD', lru, redis.call('HINCRBY', meta, 'seq', 1), key)
redis.call('ZADD', exp, now + ttl, key)
redis.call('HINCRBY', meta, 'bytes', bytes)
for _, k in ipairs(KEYS) do
  if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end
end
return 'stored'
`;

/** ARGV: prefix, key. */
export const DELETE_SCRIPT = `#!lua flags=allow-oom${PRELUDE}
forget(ARGV[2])
return 1
`;

/** ARGV: prefix → {entries, bytes}, after forgetting every expired entry. */
export const USAGE_SCRIPT = `#!lua flags=allow-oom${PRELUDE}
local now = nowMs()
while reconcile(now, ${RECONCILE_BATCH}) == ${RECONCILE_BATCH} do end
return {redis.call('ZCARD', lru), used()}
`;
