import type { Redis } from 'ioredis';
import { turnScript } from '../lua-scripts.js';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';

/** See lua/count-turn.lua: count, and over the limit broadcast the turn's stop, in one step. */
const COUNT_TURN = turnScript('count-turn', 1);

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
 * what is near the limit, headers) belongs to the caller; this owns the keys and the count script.
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

  /**
   * Counts a chat turn on `connection`, the one its job is enqueued on right after this call (Redis
   * applies commands of one connection in order); over `limit`, the turn's stop is broadcast to the
   * workers in the same step. EVAL rather than EVALSHA: a NOSCRIPT retry would reach Redis after the job.
   */
  async countTurn(userId: string, turnId: string, window: RateWindow, limit: number, connection: Redis): Promise<number> {
    const key = this.keys.userRateLimit(userId, window.windowStart, window.bucket);
    return Number(await COUNT_TURN.runInOrder(connection, [key], [window.ttlMs, limit, this.keys.cancelChannel(), turnId]));
  }
}
