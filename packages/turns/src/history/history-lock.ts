import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '@bedrock-mcp/common';
import { turnScript } from '../lua-scripts.js';
import { MAX_POLL_MS } from './history-store-options.js';

const ACQUIRE = turnScript('history-lock-acquire', 1);
const RENEW = turnScript('history-lock-renew', 1);
const RELEASE = turnScript('history-lock-release', 1);

export class HistoryLockTimeoutError extends Error {
  override readonly name = 'HistoryLockTimeoutError';
}

/** A held history lock; release() is idempotent. */
export interface HeldHistoryLock {
  /** The token the lock is held with (the turn id); `HistoryStore.save` checks it. */
  readonly token: string;
  release(): Promise<void>;
  /** Stops renewing without deleting: the worker that took the turn over holds the same token now. */
  abandon(): void;
}

export interface HistoryLockTiming {
  /** Milliseconds the lock lives without renewal; renewed every third of it (at least every 100 ms). */
  ttlMs: number;
  /** Milliseconds to wait for another holder to release it. */
  waitMs: number;
  /** Milliseconds before the second attempt, doubling up to MAX_POLL_MS. */
  pollMs: number;
}

/**
 * Takes the lock at `key` with `token`, waiting while another token holds it; renews it on an
 * unref'd timer until released or abandoned. Throws HistoryLockTimeoutError after `waitMs`, or an
 * AbortError when `signal` aborts while waiting.
 */
export async function acquireHistoryLock(redis: Redis, key: string, token: string, timing: HistoryLockTiming, signal?: AbortSignal): Promise<HeldHistoryLock> {
  const deadline = Date.now() + timing.waitMs;
  let pollMs = timing.pollMs;
  while ((await ACQUIRE.run(redis, [key], [token, String(timing.ttlMs)])) !== 1) {
    if (Date.now() + pollMs > deadline) {
      throw new HistoryLockTimeoutError(`another turn of this user is still using the session history (waited ${timing.waitMs} ms)`);
    }
    await sleep(pollMs, undefined, signal ? { signal } : {});
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
  const renewal = setInterval(() => {
    void RENEW.run(redis, [key], [token, String(timing.ttlMs)]).catch(() => {});
  }, Math.max(100, Math.floor(timing.ttlMs / 3)));
  renewal.unref();
  let released: Promise<void> | undefined;
  return {
    token,
    abandon: () => clearInterval(renewal),
    release: () => {
      released ??= (async () => {
        clearInterval(renewal);
        await RELEASE.run(redis, [key], [token]);
      })();
      return released;
    },
  };
}
