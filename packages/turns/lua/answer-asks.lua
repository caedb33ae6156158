-- Records a person's answers to a turn's asks, all or none: every id must name a pending,
-- unexpired ask of the stated kind.
-- KEYS[1] turnAsks (hash; see turn-keys.ts)
-- ARGV[1] now (epoch ms), ARGV[2] answers channel, ARGV[3] turn id,
-- then per answer: ask id, kind (approval|elicitation), answer JSON
-- Returns {'accepted', resume job id or '', the ids of the approvals still pending…}
--      or {'unknown_ask' | 'wrong_kind' | 'answered' | 'expired', ask id}.
local now = tonumber(ARGV[1])
for i = 4, #ARGV, 3 do
  local id = ARGV[i]
  local state = redis.call('HGET', KEYS[1], id .. ':state')
  if not state then return {'unknown_ask', id} end
  if redis.call('HGET', KEYS[1], id .. ':kind') ~= ARGV[i + 1] then return {'wrong_kind', id} end
  if state ~= 'pending' then return {state, id} end
  if tonumber(redis.call('HGET', KEYS[1], id .. ':expires')) <= now then return {'expired', id} end
end
for i = 4, #ARGV, 3 do
  redis.call('HSET', KEYS[1], ARGV[i] .. ':state', 'answered', ARGV[i] .. ':answer', ARGV[i + 2])
end
local out = {'accepted', redis.call('HGET', KEYS[1], 'resume') or ''}
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local name = fields[i]
  if string.sub(name, -6) == ':state' and fields[i + 1] == 'pending' then
    local id = string.sub(name, 1, -7)
    if redis.call('HGET', KEYS[1], id .. ':kind') == 'approval' then out[#out + 1] = id end
  end
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return out
