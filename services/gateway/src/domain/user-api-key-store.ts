import { createHash, randomBytes } from 'node:crypto';
import type { Redis, RedisKeys } from '@bedrock-mcp/common';
import { UserIdSchema } from '@bedrock-mcp/contracts';
import { z } from 'zod';

/** The public handle of a key (for listing and revoking): the first 12 hex digits of its SHA-256. */
export const KEY_ID_LENGTH = 12;
const KEY_PREFIX = 'bmk_';

const StoredKeySchema = z.object({ userId: UserIdSchema, createdAt: z.number(), label: z.string().optional() });
export type StoredUserKey = z.infer<typeof StoredKeySchema>;
export interface UserKeyListing extends StoredUserKey {
  keyId: string;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Per-user API keys, stored only as SHA-256 hashes in one Redis hash (field: hash, value: JSON
 * {userId, createdAt, label}). A key acts for its one user. The key itself is shown once, at creation.
 */
export class UserApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(userId: string, label?: string): Promise<{ apiKey: string; keyId: string }> {
    const owner = UserIdSchema.parse(userId);
    const apiKey = KEY_PREFIX + randomBytes(32).toString('base64url');
    const hash = sha256Hex(apiKey);
    const record: StoredUserKey = { userId: owner, createdAt: Date.now(), ...(label ? { label } : {}) };
    await this.redis.hset(this.keys.userApiKeys(), hash, JSON.stringify(record));
    return { apiKey, keyId: hash.slice(0, KEY_ID_LENGTH) };
  }

  /** The owner of the key with this SHA-256 hash, if it exists. */
  async lookup(hash: string): Promise<StoredUserKey | undefined> {
    const raw = await this.redis.hget(this.keys.userApiKeys(), hash);
    if (raw === null) return undefined;
    const parsed = StoredKeySchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /** Every key, or one user's, without the keys themselves. */
  async list(userId?: string): Promise<UserKeyListing[]> {
    const all = await this.redis.hgetall(this.keys.userApiKeys());
    return Object.entries(all)
      .flatMap(([hash, raw]) => {
        const parsed = StoredKeySchema.safeParse(JSON.parse(raw));
        return parsed.success ? [{ keyId: hash.slice(0, KEY_ID_LENGTH), ...parsed.data }] : [];
      })
      .filter((key) => userId === undefined || key.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Revokes the keys whose id is `keyId` (and, when given, belong to `userId`); returns how many. */
  async revoke(keyId: string, userId?: string): Promise<number> {
    if (!/^[0-9a-f]{12}$/.test(keyId)) throw new Error(`a key id is ${KEY_ID_LENGTH} lowercase hex digits`);
    const all = await this.redis.hgetall(this.keys.userApiKeys());
    const doomed = Object.entries(all)
      .filter(([hash, raw]) => hash.startsWith(keyId) && (userId === undefined || StoredKeySchema.safeParse(JSON.parse(raw)).data?.userId === userId))
      .map(([hash]) => hash);
    if (doomed.length === 0) return 0;
    return this.redis.hdel(this.keys.userApiKeys(), ...doomed);
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.keys.userApiKeys());
  }
}
