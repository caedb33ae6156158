import { createHash, randomBytes } from 'node:crypto';
import type { Redis, RedisKeys } from '@bedrock-mcp/common';
import { UserIdSchema } from '@bedrock-mcp/contracts';
import { z } from 'zod';

/** The public handle of a key (for listing and revoking): the first 12 hex digits of its SHA-256. */
const KEY_ID_LENGTH = 12;
const KEY_PREFIX = 'bmk_';
/** Characters of a key kept in the clear to recognise it by: `bmk_` and 4 of its 43 random ones (24 of 256 bits). */
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 4;
/** A key's last-used time is written at most this often (ms): one write per key per minute, not per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const StoredKeySchema = z.object({
  userId: UserIdSchema,
  createdAt: z.number(),
  /** The name its owner gave it (the admin CLI's --label). */
  label: z.string().optional(),
  prefix: z.string().optional(),
  /** Epoch ms after which the key is refused; absent: never. */
  expiresAt: z.number().optional(),
});
export type StoredUserKey = z.infer<typeof StoredKeySchema>;
export interface UserKeyListing extends StoredUserKey {
  keyId: string;
  lastUsedAt: number | undefined;
}

export interface CreateUserKeyOptions {
  label?: string;
  /** Milliseconds from now until the key stops working; omitted: never. */
  expiresInMs?: number;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function parseStored(raw: string): StoredUserKey | undefined {
  try {
    const parsed = StoredKeySchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Per-user API keys, stored only as SHA-256 hashes in one Redis hash (field: hash, value: JSON
 * {userId, createdAt, label, prefix, expiresAt}); last-used times in a second hash. A key acts for
 * its one user. The key itself is shown once, at creation. Nothing is cached: a revoked key is
 * refused on the very next request.
 */
export class UserApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userId: string, options: CreateUserKeyOptions | string = {}): Promise<{ apiKey: string; keyId: string; record: StoredUserKey }> {
    const { label, expiresInMs } = typeof options === 'string' ? { label: options, expiresInMs: undefined } : options;
    const owner = UserIdSchema.parse(userId);
    const apiKey = KEY_PREFIX + randomBytes(32).toString('base64url');
    const hash = sha256Hex(apiKey);
    const createdAt = this.now();
    const record: StoredUserKey = {
      userId: owner,
      createdAt,
      prefix: apiKey.slice(0, SHOWN_PREFIX_LENGTH),
      ...(label ? { label } : {}),
      ...(expiresInMs !== undefined ? { expiresAt: createdAt + expiresInMs } : {}),
    };
    await this.redis.hset(this.keys.userApiKeys(), hash, JSON.stringify(record));
    return { apiKey, keyId: hash.slice(0, KEY_ID_LENGTH), record };
  }

  /** The key with this SHA-256 hash, if it exists and has not expired; notes its use (at most once a minute). */
  async lookup(hash: string): Promise<StoredUserKey | undefined> {
    const [raw, lastUsed] = await Promise.all([this.redis.hget(this.keys.userApiKeys(), hash), this.redis.hget(this.keys.userApiKeysLastUsed(), hash)]);
    if (raw === null) return undefined;
    const stored = parseStored(raw);
    const now = this.now();
    if (!stored || (stored.expiresAt !== undefined && stored.expiresAt <= now)) return undefined;
    if (lastUsed === null || now - Number(lastUsed) >= LAST_USED_RESOLUTION_MS) await this.redis.hset(this.keys.userApiKeysLastUsed(), hash, String(now));
    return stored;
  }

  /** Every key, or one user's, without the keys themselves, oldest first. */
  async list(userId?: string): Promise<UserKeyListing[]> {
    const [all, lastUsed] = await Promise.all([this.redis.hgetall(this.keys.userApiKeys()), this.redis.hgetall(this.keys.userApiKeysLastUsed())]);
    return Object.entries(all)
      .flatMap(([hash, raw]) => {
        const stored = parseStored(raw);
        if (!stored || (userId !== undefined && stored.userId !== userId)) return [];
        const used = lastUsed[hash];
        return [{ keyId: hash.slice(0, KEY_ID_LENGTH), ...stored, lastUsedAt: used === undefined ? undefined : Number(used) }];
      })
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Revokes the keys whose id is `keyId` (and, when given, belong to `userId`); returns how many. */
  async revoke(keyId: string, userId?: string): Promise<number> {
    if (!/^[0-9a-f]{12}$/.test(keyId)) throw new Error(`a key id is ${KEY_ID_LENGTH} lowercase hex digits`);
    const all = await this.redis.hgetall(this.keys.userApiKeys());
    const doomed = Object.entries(all)
      .filter(([hash, raw]) => hash.startsWith(keyId) && (userId === undefined || parseStored(raw)?.userId === userId))
      .map(([hash]) => hash);
    if (doomed.length === 0) return 0;
    const revoked = await this.redis.hdel(this.keys.userApiKeys(), ...doomed);
    await this.redis.hdel(this.keys.userApiKeysLastUsed(), ...doomed);
    return revoked;
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.keys.userApiKeys());
  }
}
