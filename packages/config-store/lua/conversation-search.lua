-- Reads up to `count` entries of a user's conversation index, newest first, and matches each
-- conversation's lowercase title and search text against the query here, so the texts never
-- leave Redis. Bounded per call so one search does not hold Redis for long.
-- KEYS[1] userConversations (sorted set); the meta hashes are `ARGV[1] .. id .. ARGV[2]`, in the
-- same {user} hash slot
-- ARGV[1] meta key prefix, ARGV[2] meta key suffix, ARGV[3] max score ('+inf' or epoch ms),
-- ARGV[4] offset, ARGV[5] count, ARGV[6] query (lowercase)
-- Returns {entries read, then per match or vanished conversation: id, score, 1 (match) | 0 (gone)}.
local entries = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[3], '-inf', 'WITHSCORES', 'LIMIT', ARGV[4], ARGV[5])
local out = {#entries / 2}
local query = ARGV[6]
for i = 1, #entries, 2 do
  local fields = redis.call('HMGET', ARGV[1] .. entries[i] .. ARGV[2], 'id', 'title_lower', 'search')
  if not fields[1] then
    out[#out + 1] = entries[i]; out[#out + 1] = entries[i + 1]; out[#out + 1] = 0
  elseif string.find(fields[2] or '', query, 1, true) or string.find(fields[3] or '', query, 1, true) then
    out[#out + 1] = entries[i]; out[#out + 1] = entries[i + 1]; out[#out + 1] = 1
  end
end
return out
