-- Appends one message to a conversation, with the blobs it refers to, and moves the conversation
-- to the top of the user's index. `start` (a turn's user message) creates the conversation when it
-- is new and, with replace_last, first drops the last exchange; `finish` (the answer) writes
-- nothing when the conversation is gone (deleted while the turn ran).
-- KEYS[1] conversationMeta (hash), KEYS[2] conversationMessages (list), KEYS[3] conversationBlobs (hash),
-- KEYS[4] userConversations (sorted set)
-- ARGV[1] 'start' | 'finish', ARGV[2] conversation id, ARGV[3] now (epoch ms), ARGV[4] message JSON,
-- ARGV[5] the message's search text (lowercase), ARGV[6] title from the message (start),
-- ARGV[7] model JSON (start), ARGV[8] MCP server ids JSON (start), ARGV[9] '1' = replace last,
-- ARGV[10] retention (ms, 0 = none), ARGV[11] search text cap (bytes), ARGV[12] ARGV[6] lowercase,
-- then per blob: blob id, media type, bytes
-- Returns the summary fields (see SUMMARY_FIELDS in redis-conversation-store.ts), or false.
local meta, messages, blobs, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local start = ARGV[1] == 'start'
local exists = redis.call('EXISTS', meta) == 1
if not exists and not start then return false end

local size = 0
if exists then
  size = tonumber(redis.call('HGET', meta, 'size_bytes')) or 0
  local last = tonumber(redis.call('HGET', meta, 'last_exchange_start'))
  if start and ARGV[9] == '1' and last then
    for _, dropped in ipairs(redis.call('LRANGE', messages, last, -1)) do size = size - string.len(dropped) end
    if last == 0 then redis.call('DEL', messages) else redis.call('LTRIM', messages, 0, last - 1) end
    local searchLength = tonumber(redis.call('HGET', meta, 'last_exchange_search_length')) or 0
    redis.call('HSET', meta, 'search', string.sub(redis.call('HGET', meta, 'search') or '', 1, searchLength))
  end
else
  -- Leftovers of an expired conversation must not join the new one.
  redis.call('DEL', messages, blobs)
  redis.call('HSET', meta, 'id', ARGV[2], 'created_at', ARGV[3], 'title', ARGV[6], 'title_lower', ARGV[12], 'title_source', 'first_message',
    'model', 'null', 'mcp_server_ids', '[]', 'search', '')
end

local count = redis.call('LLEN', messages)
local search = redis.call('HGET', meta, 'search') or ''
if start then
  if count == 0 and redis.call('HGET', meta, 'title_source') == 'first_message' then redis.call('HSET', meta, 'title', ARGV[6], 'title_lower', ARGV[12]) end
  redis.call('HSET', meta, 'model', ARGV[7], 'mcp_server_ids', ARGV[8], 'last_exchange_start', count,
    'last_exchange_search_length', string.len(search))
end
local cap = tonumber(ARGV[11])
if ARGV[5] ~= '' and string.len(search) < cap then
  redis.call('HSET', meta, 'search', string.sub(search .. '\n' .. ARGV[5], 1, cap))
end

redis.call('RPUSH', messages, ARGV[4])
size = size + string.len(ARGV[4])
for i = 13, #ARGV, 3 do
  if redis.call('HSETNX', blobs, ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('HSET', blobs, ARGV[i] .. ':type', ARGV[i + 1])
    size = size + string.len(ARGV[i + 2])
  end
end
redis.call('HSET', meta, 'message_count', count + 1, 'size_bytes', size, 'updated_at', ARGV[3])
redis.call('ZADD', index, ARGV[3], ARGV[2])
local retention = tonumber(ARGV[10])
if retention > 0 then
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, retention) end
end
return redis.call('HMGET', meta, 'id', 'title', 'title_source', 'created_at', 'updated_at', 'model', 'mcp_server_ids', 'message_count', 'size_bytes')
