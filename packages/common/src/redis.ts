import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for the platform. `role` names it in CLIENT LIST. BullMQ needs
 * `maxRetriesPerRequest: null` on the connections it blocks on; pass it through `overrides`.
 */
export function createRedis(url: string, role: string, overrides: RedisOptions = {}): Redis {
  return new Redis(url, { connectionName: `bmcp-${role}`, enableAutoPipelining: true, ...overrides });
}
export type { Redis } from 'ioredis';

/** Closes a connection politely (QUIT), or at once when that fails (the server is gone). */
export async function quitOrDisconnect(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
