-- Appends messages to a user's history only while nobody holds the history lock (never in the
-- middle of a keep_session turn, whose save would replace them), bounds it, and bumps the epoch
-- (so a turn resumed from an older load does not write its stale copy over them). When the list
-- grows past the bound, the oldest messages go, and then any leading message that does not start
-- an exchange (an assistant message or tool results), as boundHistory does.
-- KEYS[1] history list, KEYS[2] history lock, KEYS[3] history epoch
-- ARGV[1] messages the history keeps at most,
-- ARGV[2] milliseconds the history and its epoch live after this write (0: for ever),
-- ARGV[3..] message JSON, oldest first
-- Returns 1 appended, 0 the lock is held.
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
local max = tonumber(ARGV[1])
if redis.call('LLEN', KEYS[1]) > max then
  redis.call('LTRIM', KEYS[1], -max, -1)
  while redis.call('LLEN', KEYS[1]) > 0 do
    local ok, first = pcall(cjson.decode, redis.call('LINDEX', KEYS[1], 0))
    local starts = ok and type(first) == 'table' and first.role == 'user'
    if starts and type(first.content) == 'table' then
      for _, block in ipairs(first.content) do
        if type(block) == 'table' and block.toolResult ~= nil then starts = false end
      end
    end
    if starts then break end
    redis.call('LPOP', KEYS[1])
  end
end
redis.call('INCR', KEYS[3])
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return 1
