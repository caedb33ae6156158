-- Deletes a conversation: its summary, messages and blobs, and its entry in the user's index.
-- KEYS[1] conversationMeta, KEYS[2] conversationMessages, KEYS[3] conversationBlobs, KEYS[4] userConversations
-- ARGV[1] conversation id
-- Returns 1 when there was one, else 0.
local existed = redis.call('DEL', KEYS[1]) == 1
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[1])
if existed then return 1 end
return 0
