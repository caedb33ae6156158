import { randomBytes } from 'node:crypto';
import type { Redis, RedisKeys } from '@bedrock-mcp/common';
import { UserIdSchema } from '@bedrock-mcp/contracts';
import { z } from 'zod';
import { sha256Hex } from '../domain/user-api-key-store.js';

/** A session's idle deadline is pushed back at most this often (ms): one Redis write per minute, not per request. */
const IDLE_REFRESH_MS = 60_000;

const SessionRecordSchema = z.object({
  userId: UserIdSchema,
  displayName: z.string(),
  method: z.enum(['oidc', 'local']),
  csrfToken: z.string(),
  /** Epoch ms. */
  createdAt: z.number(),
  lastSeenAt: z.number(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

export interface Session extends SessionRecord {
  /** SHA-256 of the cookie value: how the session is keyed (the value itself is never stored). */
  hash: string;
}

export interface SessionStoreOptions {
  /** Seconds without a request after which a session ends. */
  idleTimeoutS: number;
  /** Seconds after sign-in at which a session ends however active. */
  maxAgeS: number;
  now?: () => number;
}

/**
 * Browser sessions in Redis, keyed by the SHA-256 of a 32-byte random id (the cookie value), so a
 * read of Redis yields no usable cookie. Each session's key expires at its idle or absolute
 * deadline, whichever is first; each user's set of session hashes serves "sign out everywhere".
 */
export class SessionStore {
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: SessionStoreOptions,
  ) {
    if (options.idleTimeoutS <= 0 || options.maxAgeS <= 0) throw new Error('session timeouts must be positive');
    this.now = options.now ?? Date.now;
  }

  /** Starts a session; returns the cookie value (shown only to the browser) and the session. */
  async create(user: { userId: string; displayName: string; method: SessionRecord['method'] }): Promise<{ cookieValue: string; session: Session }> {
    const cookieValue = randomBytes(32).toString('base64url');
    const hash = sha256Hex(cookieValue);
    const now = this.now();
    const record: SessionRecord = { ...user, userId: UserIdSchema.parse(user.userId), csrfToken: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now };
    const userSessions = this.keys.userSessions(record.userId);
    await this.pruneUserSessions(record.userId);
    // Separate commands, not MULTI: a session's key and its user's set may sit on different cluster slots.
    await this.redis.set(this.keys.session(hash), JSON.stringify(record), 'PX', this.ttlMs(record, now));
    await this.redis.multi().sadd(userSessions, hash).expire(userSessions, this.options.maxAgeS).exec();
    return { cookieValue, session: { ...record, hash } };
  }

  /** The live session behind a cookie value, or undefined (unknown, forged, idle or too old); keeps an active one alive. */
  async get(cookieValue: string): Promise<Session | undefined> {
    const hash = sha256Hex(cookieValue);
    const raw = await this.redis.get(this.keys.session(hash));
    if (raw === null) return undefined;
    const record = parseRecord(raw);
    const now = this.now();
    if (!record || this.expired(record, now)) {
      await this.redis.del(this.keys.session(hash));
      return undefined;
    }
    if (now - record.lastSeenAt >= IDLE_REFRESH_MS) {
      const refreshed = { ...record, lastSeenAt: now };
      // XX: a session signed out meanwhile stays gone.
      await this.redis.set(this.keys.session(hash), JSON.stringify(refreshed), 'PX', this.ttlMs(refreshed, now), 'XX');
      return { ...refreshed, hash };
    }
    return { ...record, hash };
  }

  /** True while the session with this hash exists (for long-lived sockets, which re-check it). */
  async isLive(hash: string): Promise<boolean> {
    const raw = await this.redis.get(this.keys.session(hash));
    const record = raw === null ? undefined : parseRecord(raw);
    return record !== undefined && !this.expired(record, this.now());
  }

  /** Ends one session (sign-out). */
  async destroy(session: Pick<Session, 'hash' | 'userId'>): Promise<void> {
    await this.redis.del(this.keys.session(session.hash));
    await this.redis.srem(this.keys.userSessions(session.userId), session.hash);
  }

  /** Ends every session of a user (sign out everywhere); returns how many were live. */
  async destroyAll(userId: string): Promise<number> {
    const userSessions = this.keys.userSessions(userId);
    const hashes = await this.redis.smembers(userSessions);
    if (hashes.length === 0) return 0;
    const removed = await Promise.all(hashes.map((hash) => this.redis.del(this.keys.session(hash))));
    await this.redis.del(userSessions);
    return removed.reduce((sum, count) => sum + count, 0);
  }

  private expired(record: SessionRecord, now: number): boolean {
    return now - record.lastSeenAt >= this.options.idleTimeoutS * 1000 || now - record.createdAt >= this.options.maxAgeS * 1000;
  }

  private ttlMs(record: SessionRecord, now: number): number {
    const idleLeft = record.lastSeenAt + this.options.idleTimeoutS * 1000 - now;
    const absoluteLeft = record.createdAt + this.options.maxAgeS * 1000 - now;
    return Math.max(1, Math.min(idleLeft, absoluteLeft));
  }

  /** Drops the hashes of sessions that expired on their own from the user's set (run at sign-in, so the set stays small). */
  private async pruneUserSessions(userId: string): Promise<void> {
    const userSessions = this.keys.userSessions(userId);
    const hashes = await this.redis.smembers(userSessions);
    if (hashes.length === 0) return;
    const exists = await Promise.all(hashes.map((hash) => this.redis.exists(this.keys.session(hash))));
    const gone = hashes.filter((_, index) => exists[index] === 0);
    if (gone.length > 0) await this.redis.srem(userSessions, ...gone);
  }
}

function parseRecord(raw: string): SessionRecord | undefined {
  try {
    const parsed = SessionRecordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
