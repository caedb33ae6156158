-- Counts a chat turn in the user's rate-limit window; over the limit it also broadcasts a stop for
-- the turn on the workers' cancel channel, in the same step.
-- KEYS[1] userRateLimit (the window's counter)
-- ARGV[1] counter TTL (ms), ARGV[2] limit, ARGV[3] cancelChannel, ARGV[4] turn id
-- Returns the count.
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if count > tonumber(ARGV[2]) then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return count
