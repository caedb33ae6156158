-- Extends a user's history lock if this token still holds it.
-- KEYS[1] history lock
-- ARGV[1] token, ARGV[2] milliseconds the lock lives from now
-- Returns 1 renewed, 0 not held by this token.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
