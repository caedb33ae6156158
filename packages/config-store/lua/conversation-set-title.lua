-- Sets a title from the first message or the model, unless the user named the conversation.
-- KEYS[1] conversationMeta
-- ARGV[1] title, ARGV[2] title source ('first_message' | 'model'), ARGV[3] ARGV[1] lowercase
-- Returns 1 when set, 0 when not (no such conversation, or the user's title).
local source = redis.call('HGET', KEYS[1], 'title_source')
if not source or source == 'user' then return 0 end
redis.call('HSET', KEYS[1], 'title', ARGV[1], 'title_source', ARGV[2], 'title_lower', ARGV[3])
return 1
