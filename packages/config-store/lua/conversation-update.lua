-- Changes a conversation's title (then the user's), model or servers, when it exists.
-- KEYS[1] conversationMeta, KEYS[2] conversationMessages, KEYS[3] conversationBlobs, KEYS[4] userConversations
-- ARGV[1] conversation id, ARGV[2] now (epoch ms), ARGV[3] retention (ms, 0 = none),
-- then field, value pairs (title with title_lower, model, mcp_server_ids)
-- Returns the summary fields, or false when there is no such conversation.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  if ARGV[i] == 'title' then redis.call('HSET', KEYS[1], 'title_source', 'user') end
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
local retention = tonumber(ARGV[3])
if retention > 0 then
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, retention) end
end
return redis.call('HMGET', KEYS[1], 'id', 'title', 'title_source', 'created_at', 'updated_at', 'model', 'mcp_server_ids', 'message_count', 'size_bytes')
