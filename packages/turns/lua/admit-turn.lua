-- Takes a concurrent-turn slot unless the user holds `limit` unexpired ones.
-- KEYS[1] userActiveTurns (sorted set: turn id scored by the epoch ms its slot expires at)
-- ARGV[1] now (epoch ms), ARGV[2] slot expiry (epoch ms), ARGV[3] limit, ARGV[4] turn id, ARGV[5] key TTL (ms)
-- Returns the slots held after the call, negated when refused.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[3]) then return -held end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
-- The key lives as long as its latest slot (a turn paused for approval holds its slot longer).
local latest = redis.call('ZRANGE', KEYS[1], 0, 0, 'REV', 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), tonumber(latest[2]) - tonumber(ARGV[1])))
return held + 1
