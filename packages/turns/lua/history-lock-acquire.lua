-- Takes a user's history lock when it is free or already held by the same token (a worker
-- resuming the turn whose dead predecessor held it).
-- KEYS[1] history lock
-- ARGV[1] token (the turn id), ARGV[2] milliseconds the lock lives without renewal
-- Returns 1 taken, 0 held by another token.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
