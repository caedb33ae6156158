-- Assigns the next sequence numbers, appends the events to the capped replay log and publishes
-- each one, atomically, so a reader that subscribes and then reads the log sees every event
-- exactly once (deduplicating by seq). Each body is an event's JSON without its opening brace:
-- `{"seq":N,` is spliced in front of it.
-- KEYS[1] turnSeq, KEYS[2] turnLog, KEYS[3] turnChannel
-- ARGV[1] max events kept, ARGV[2] TTL (s), ARGV[3..] one body per event, in order
-- Returns the first seq assigned.
local last = redis.call('INCRBY', KEYS[1], #ARGV - 2)
local first = last - (#ARGV - 2) + 1
for i = 3, #ARGV do
  local json = '{"seq":' .. (first + i - 3) .. ',' .. ARGV[i]
  redis.call('RPUSH', KEYS[2], json)
  redis.call('PUBLISH', KEYS[3], json)
end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return first
