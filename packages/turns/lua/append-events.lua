-- Assigns the next sequence numbers, appends the events to the capped replay log and publishes
-- them, atomically, so a reader that subscribes and then reads the log sees every event exactly
-- once (deduplicating by seq). One PUBLISH carries the whole batch: the events' JSON, one per
-- line, in order (JSON text has no raw newline). Each body is an event's JSON without its opening
-- brace: `{"seq":N,` is spliced in front of it.
-- The turn's meta may name the channel of the gateway hub that submitted it (`homeChannel`): the
-- batch goes there too, after a first line naming the turn's channel, so that hub needs no
-- SUBSCRIBE per turn. A channel is not a key: naming one outside the turn's slot is allowed.
-- KEYS[1] turnSeq, KEYS[2] turnLog, KEYS[3] turnChannel, KEYS[4] turnMeta
-- ARGV[1] max events kept, ARGV[2] TTL (s), ARGV[3..] one body per event, in order
-- Returns the first seq assigned.
local count = #ARGV - 2
local last = redis.call('INCRBY', KEYS[1], count)
local first = last - count + 1
local events = {}
for i = 1, count do
  events[i] = '{"seq":' .. (first + i - 1) .. ',' .. ARGV[i + 2]
end
-- RPUSH takes many values at once; unpack is bounded by Lua's stack, so at most 1,000 a call.
local length = 0
for from = 1, count, 1000 do
  length = redis.call('RPUSH', KEYS[2], unpack(events, from, math.min(from + 999, count)))
end
local batch = table.concat(events, '\n')
redis.call('PUBLISH', KEYS[3], batch)
local home = redis.call('HGET', KEYS[4], 'homeChannel')
if home then
  redis.call('PUBLISH', home, KEYS[3] .. '\n' .. batch)
end
-- Trimmed only once over the cap (RPUSH returns the new length): most turns never reach it.
local max = tonumber(ARGV[1])
if length > max then
  redis.call('LTRIM', KEYS[2], -max, -1)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return first
