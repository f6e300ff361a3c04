/**
 * The directory's compare-and-set steps, each one Lua script so Redis runs it atomically: another origin's
 * write can never land between our read and our write. Entries are the JSON of stream-entry.ts; `origin`
 * is compared after cjson.decode (a value another program wrote decodes to something else and is left alone).
 */

/** The origin id in the entry at KEYS[1], or false (no key, or not our JSON). Shared by the scripts below. */
const ORIGIN_OF = `
local function origin_of(value)
  if not value then return false end
  local ok, entry = pcall(cjson.decode, value)
  if not ok or type(entry) ~= 'table' then return false end
  return entry.origin
end
`;

/**
 * Claim without takeover. KEYS[1] stream key; ARGV: value, ttl ms, our origin id. Returns nil when claimed
 * (set if absent, or already ours: rewritten), otherwise the holder's value.
 */
export const CLAIM_SCRIPT = `${ORIGIN_OF}
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local held = redis.call('GET', KEYS[1])
if origin_of(held) == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return false
end
return held
`;

/**
 * The heartbeat of one stream we hold, also the re-registration after Redis comes back. KEYS[1] stream key;
 * ARGV: value, ttl ms, our origin id. Absent (expired while Redis was away or we stalled): set again; ours:
 * rewritten (fresh load) with a fresh TTL; another origin's (it took over, or claimed the name while Redis
 * forgot ours): left alone and its value returned. Returns nil when the entry is ours afterwards.
 */
export const REFRESH_SCRIPT = `${ORIGIN_OF}
local held = redis.call('GET', KEYS[1])
if held and origin_of(held) ~= ARGV[3] then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

/** Release. KEYS[1] stream key; ARGV: our origin id. Deletes the entry only when it is ours; returns 1 if so. */
export const RELEASE_SCRIPT = `${ORIGIN_OF}
if origin_of(redis.call('GET', KEYS[1])) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/**
 * A stale entry after a failed pull. KEYS[1] stream key, KEYS[2] the heartbeat key of the entry's origin;
 * ARGV: the value read before. Deletes the entry only if it still is that value and its origin's heartbeat
 * is gone; returns 1 if so.
 */
export const FORGET_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
