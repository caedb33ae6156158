-- Claims a user for a replica, only if the claim is still held by the expected owner.
-- KEYS[1]  the user's owner key (RedisKeys.poolOwner)
-- ARGV[1]  the expected current owner's replica id ('' = no owner)
-- ARGV[2]  the claiming replica's id
-- ARGV[3]  the claim's lifetime (milliseconds)
-- Returns 1 when claimed, 0 when someone else holds it.
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
