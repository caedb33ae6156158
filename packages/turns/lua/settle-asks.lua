-- Closes asks: each one still pending becomes expired; then returns how each ended.
-- KEYS[1] turnAsks (hash; see turn-keys.ts)
-- ARGV[1], ARGV[2], … the ask ids
-- Returns, per id in order: {state, answer JSON or ''} (state '' for an unknown id).
local out = {}
for i = 1, #ARGV do
  local id = ARGV[i]
  local state = redis.call('HGET', KEYS[1], id .. ':state')
  if state == 'pending' then
    redis.call('HSET', KEYS[1], id .. ':state', 'expired')
    state = 'expired'
  end
  out[i] = {state or '', redis.call('HGET', KEYS[1], id .. ':answer') or ''}
end
return out
