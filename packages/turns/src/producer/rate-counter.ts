import type { Redis } from 'ioredis';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';

export interface RateCounterOptions {
  /** Commands connection (auto-pipelined with the rest of the process's traffic). */
  redis: Redis;
  /** REDIS_PREFIX: what every key starts with. */
  prefix: string;
}

/** Where one count lands: the user's fixed window. */
export interface RateWindow {
  /** epoch ms the window started */
  windowStart: number;
  /** Milliseconds the counter lives (the window's length plus a margin). */
  ttlMs: number;
  /** Names a limit other than the chat one (its own counters). */
  bucket?: string;
}

/**
 * Per-user fixed-window counters in Redis, shared by every gateway replica. The policy (limits,
 * headers) belongs to the caller; this owns the keys. A chat turn is counted by ActiveTurns.admit,
 * in the step that takes its slot.
 */
export class RateCounter {
  private readonly keys: TurnKeys;

  constructor(private readonly options: RateCounterOptions) {
    this.keys = createTurnKeys(options.prefix);
  }

  /** INCR + PEXPIRE; returns the count after this one. */
  async count(userId: string, window: RateWindow): Promise<number> {
    const key = this.keys.userRateLimit(userId, window.windowStart, window.bucket);
    // Two plain commands rather than MULTI: they ride ioredis' auto-pipelining with everything else
    // sent in the same tick (one socket write for many requests), and need no atomicity here.
    const [count] = await Promise.all([this.options.redis.incr(key), this.options.redis.pexpire(key, window.ttlMs)]);
    return count;
  }
}
