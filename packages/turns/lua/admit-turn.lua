-- Counts a chat turn in the user's rate-limit window, then takes a concurrent-turn slot unless the
-- user holds `limit` unexpired ones, and with KEYS[3] the conversation's claim too, in one step.
-- A refused turn takes nothing but its count (a refused request counts too); over the rate limit
-- nothing else is looked at. Every key is the user's (one hash slot).
-- KEYS[1] userActiveTurns (sorted set: turn id scored by the epoch ms its slot expires at)
-- KEYS[2] userRateLimit (the window's counter)
-- KEYS[3] (optional) conversationTurn (string: the turn id running in the conversation)
-- ARGV[1] now (epoch ms), ARGV[2] slot expiry (epoch ms), ARGV[3] limit, ARGV[4] turn id,
-- ARGV[5] key TTL (ms), ARGV[6] counter TTL (ms), ARGV[7] rate limit (turns per window)
-- Returns { admission, count }: admission is the slots held after the call, negated when refused,
-- 0 when over the rate limit, or the running turn's id (a string) when the conversation has one.
local count = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
if count > tonumber(ARGV[7]) then return { 0, count } end
if KEYS[3] then
  local running = redis.call('GET', KEYS[3])
  if running and running ~= ARGV[4] then return { running, count } end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[3]) then return { -held, count } end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
-- The key lives as long as its latest slot (a turn paused for approval holds its slot longer).
local latest = redis.call('ZRANGE', KEYS[1], 0, 0, 'REV', 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), tonumber(latest[2]) - tonumber(ARGV[1])))
-- The claim expires with this turn's slot: a worker that died cannot hold the conversation for good.
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[4], 'PX', tonumber(ARGV[2]) - tonumber(ARGV[1])) end
return { held + 1, count }
