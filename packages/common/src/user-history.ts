import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/**
 * Removes a user's server-side chat history (`POST /v1/remove/history`), effective at once: the
 * history is deleted and its epoch bumped in one transaction. An agent worker running a
 * keep_session turn for this user loaded the history before; when it saves, it sees the epoch
 * changed and does not write the removed history back (nor that turn's messages).
 */
export async function clearUserHistory(redis: Redis, keys: RedisKeys, userId: string): Promise<void> {
  await redis.multi().del(keys.userHistory(userId)).incr(keys.userHistoryEpoch(userId)).exec();
}
