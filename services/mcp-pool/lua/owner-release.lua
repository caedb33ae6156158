-- Deletes the claim if this replica still holds it.
-- KEYS[1]  the user's owner key (RedisKeys.poolOwner)
-- ARGV[1]  this replica's id
-- Returns 1 when deleted, 0 when another replica holds it (or nobody does).
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
