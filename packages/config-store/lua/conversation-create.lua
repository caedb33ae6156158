-- Creates an empty conversation unless the user has one with that id.
-- KEYS[1] conversationMeta, KEYS[2] conversationMessages, KEYS[3] conversationBlobs, KEYS[4] userConversations
-- ARGV[1] conversation id, ARGV[2] now (epoch ms), ARGV[3] title, ARGV[4] title source,
-- ARGV[5] model JSON, ARGV[6] MCP server ids JSON, ARGV[7] retention (ms, 0 = none), ARGV[8] ARGV[3] lowercase
-- Returns 1 when created, 0 when it exists.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'created_at', ARGV[2], 'updated_at', ARGV[2], 'title', ARGV[3], 'title_lower', ARGV[8],
  'title_source', ARGV[4], 'model', ARGV[5], 'mcp_server_ids', ARGV[6], 'message_count', 0, 'size_bytes', 0, 'search', '')
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
local retention = tonumber(ARGV[7])
if retention > 0 then
  redis.call('PEXPIRE', KEYS[1], retention)
  redis.call('PEXPIRE', KEYS[4], retention)
end
return 1
