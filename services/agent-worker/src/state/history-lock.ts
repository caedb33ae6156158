import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis, RedisKeys } from '@bedrock-mcp/common';

/** Takes the lock when it is free or already held by the same turn (a worker resuming it). */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

export class HistoryLockTimeoutError extends Error {
  override readonly name = 'HistoryLockTimeoutError';
}

export interface HistoryLockOptions {
  /** Milliseconds the lock lives without renewal; renewed every third of it while held. */
  ttlMs: number;
  /** Milliseconds to wait for another turn of the user to release it. */
  waitMs: number;
  /** Milliseconds between attempts while waiting (first attempt immediate); default 50, doubling to 500. */
  pollMs?: number;
}

/** A held lock; release() is idempotent. */
export interface HeldHistoryLock {
  readonly token: string;
  release(): Promise<void>;
  /** Stops renewing without deleting: the worker that took the turn over holds the same token now. */
  abandon(): void;
}

/**
 * The per-user lock a keep_session turn holds while it reads and writes the user's history, so
 * two tabs cannot interleave one history. The token is the turn id, so a worker resuming a turn
 * takes over the lock its dead predecessor held instead of waiting for it to expire.
 */
export class HistoryLock {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: HistoryLockOptions,
  ) {}

  async acquire(userId: string, turnId: string, signal?: AbortSignal): Promise<HeldHistoryLock> {
    const key = this.keys.userHistoryLock(userId);
    const deadline = Date.now() + this.options.waitMs;
    let pollMs = this.options.pollMs ?? 50;
    while ((await this.redis.eval(ACQUIRE, 1, key, turnId, String(this.options.ttlMs))) !== 1) {
      if (Date.now() + pollMs > deadline) {
        throw new HistoryLockTimeoutError(`another turn of this user is still using the session history (waited ${this.options.waitMs} ms)`);
      }
      await sleep(pollMs, undefined, signal ? { signal } : {});
      pollMs = Math.min(pollMs * 2, 500);
    }
    const renewal = setInterval(() => {
      void this.redis.eval(RENEW, 1, key, turnId, String(this.options.ttlMs)).catch(() => {});
    }, Math.max(100, Math.floor(this.options.ttlMs / 3)));
    renewal.unref();
    let released: Promise<void> | undefined;
    return {
      token: turnId,
      abandon: () => clearInterval(renewal),
      release: () => {
        released ??= (async () => {
          clearInterval(renewal);
          await this.redis.eval(RELEASE, 1, key, turnId);
        })();
        return released;
      },
    };
  }
}
