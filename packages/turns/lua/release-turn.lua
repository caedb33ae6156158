-- Frees a turn's concurrent-turn slot and, with KEYS[2], the conversation's claim if it still
-- names this turn (a later turn's claim is left alone). Idempotent.
-- KEYS[1] userActiveTurns, KEYS[2] (optional) conversationTurn
-- ARGV[1] turn id
redis.call('ZREM', KEYS[1], ARGV[1])
if KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
