-- Deletes a user's history lock if this token still holds it.
-- KEYS[1] history lock
-- ARGV[1] token
-- Returns 1 released, 0 not held by this token.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
