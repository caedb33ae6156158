-- Replaces a user's history, only while the turn still holds the user's history lock and nobody
-- changed the history since the turn loaded it: the epoch is bumped by every save, append and
-- clear, and a history that was non-empty when loaded but is gone now was deleted outright.
-- RPUSH goes in slices of 500 to stay within Lua's argument limits.
-- KEYS[1] history list, KEYS[2] history lock, KEYS[3] history epoch
-- ARGV[1] lock token (the turn id), ARGV[2] epoch the turn loaded, ARGV[3] messages it loaded,
-- ARGV[4] milliseconds the history and its epoch live after this write (0: for ever),
-- ARGV[5..] message JSON, oldest first
-- Returns 1 saved, 0 removed or changed since loaded, -1 the lock is not held by this token.
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[2] then return 0 end
if tonumber(ARGV[3]) > 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1])
for i = 5, #ARGV, 500 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
redis.call('INCR', KEYS[3])
if tonumber(ARGV[4]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
return 1
