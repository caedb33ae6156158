-- Extends the claim if this replica still holds it, or takes it back if it merely expired (a
-- stalled event loop, a slow Redis) and nobody else claimed the user meanwhile.
-- KEYS[1]  the user's owner key (RedisKeys.poolOwner)
-- ARGV[1]  this replica's id
-- ARGV[2]  the claim's lifetime (milliseconds)
-- Returns 1 when the claim is (again) this replica's, 0 when another replica holds it.
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
