import type { Redis } from '@bedrock-mcp/common';
import type { RateCounter, RateWindow, TurnRateGate } from '@bedrock-mcp/turns';
import { GatewayError } from './gateway-error.js';

export interface RateLimiterOptions {
  /** The Redis counters (keys and scripts live in packages/turns). */
  counter: RateCounter;
  /** Requests allowed per user per window. */
  limit: number;
  /** Window length in milliseconds; default one minute. */
  windowMs?: number;
  /** Names a limit other than the chat one: its own counters, and its 429 says what was counted. */
  bucket?: { name: string; counted: string };
  now?: () => number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** What is counted, for the 429's message; default "requests". */
  counted?: string;
}

/**
 * A per-user fixed-window limit, counted in Redis by a RateCounter (INCR + PEXPIRE, one round
 * trip), shared by every gateway replica.
 *
 * A chat turn is counted by `countTurn`, which lets the gateway enqueue the turn's job without
 * waiting for the count: the count goes out first on the queue's own connection, so Redis applies
 * it before the job, and a turn over the limit is stopped by the same script before any worker can
 * take its job (see CancelWatcher: the job then ends without a model call). The client still gets
 * its 429. So that an over-limit user does not keep the workers busy with such jobs, turns of a
 * user this gateway saw near the limit are counted with `consume` and enqueued only once allowed.
 */
export class RateLimiter implements TurnRateGate<RateLimitDecision> {
  private readonly windowMs: number;
  private readonly now: () => number;
  /** Requests left at or below which a user's turns wait for their count. */
  private readonly nearLimit: number;
  /** The last count this gateway saw per user: window start (epoch ms) and count. */
  private readonly seen = new Map<string, { windowStart: number; count: number }>();
  private prunedBefore = 0;

  constructor(private readonly options: RateLimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.nearLimit = Math.max(1, Math.floor(options.limit / 5));
  }

  async consume(userId: string): Promise<RateLimitDecision> {
    const window = this.window();
    return this.decide(userId, window.windowStart, await this.options.counter.count(userId, window));
  }

  /**
   * Counts a chat turn on `connection`, the one its job will be enqueued on right after this call
   * (Redis applies commands of one connection in order). Over the limit, the turn's stop is
   * broadcast to the workers in the same step (see RateCounter.countTurn).
   */
  async countTurn(userId: string, turnId: string, connection: Redis): Promise<RateLimitDecision> {
    const window = this.window();
    return this.decide(userId, window.windowStart, await this.options.counter.countTurn(userId, turnId, window, this.options.limit, connection));
  }

  /** True when this gateway saw the user near the limit in this window, or at it in the previous one. */
  shouldWait(userId: string): boolean {
    const seen = this.seen.get(userId);
    if (!seen) return false;
    const windowStart = this.windowStartAt(this.now());
    if (seen.windowStart === windowStart) return this.options.limit - seen.count <= this.nearLimit;
    return seen.windowStart === windowStart - this.windowMs && seen.count >= this.options.limit;
  }

  /** Consumes one request or throws 429 with retry-after. Returns the rate-limit headers to send. */
  async enforce(userId: string): Promise<Record<string, string>> {
    return RateLimiter.admit(await this.consume(userId));
  }

  /** The decision's rate-limit headers; throws 429 with retry-after when it refuses. */
  static admit(decision: RateLimitDecision): Record<string, string> {
    const headers = {
      'x-ratelimit-limit-requests': String(decision.limit),
      'x-ratelimit-remaining-requests': String(decision.remaining),
      'x-ratelimit-reset-requests': `${decision.resetSeconds}s`,
    };
    if (!decision.allowed) {
      throw new GatewayError('rate_limit_exceeded', `Rate limit of ${decision.limit} ${decision.counted ?? 'requests'} per minute reached; retry in ${decision.resetSeconds} s.`, null, {
        ...headers,
        'retry-after': String(decision.resetSeconds),
      });
    }
    return headers;
  }

  private windowStartAt(now: number): number {
    return now - (now % this.windowMs);
  }

  private window(): RateWindow {
    const windowStart = this.windowStartAt(this.now());
    const window: RateWindow = { windowStart, ttlMs: this.windowMs + 1000 };
    return this.options.bucket ? { ...window, bucket: this.options.bucket.name } : window;
  }

  private decide(userId: string, windowStart: number, count: number): RateLimitDecision {
    this.remember(userId, windowStart, count);
    const resetSeconds = Math.max(1, Math.ceil((windowStart + this.windowMs - this.now()) / 1000));
    const decision: RateLimitDecision = { allowed: count <= this.options.limit, limit: this.options.limit, remaining: Math.max(0, this.options.limit - count), resetSeconds };
    return this.options.bucket ? { ...decision, counted: this.options.bucket.counted } : decision;
  }

  /** Keeps the last two windows' counts (what shouldWait reads); older ones are dropped once per window. */
  private remember(userId: string, windowStart: number, count: number): void {
    const seen = this.seen.get(userId);
    if (!seen || seen.windowStart < windowStart || (seen.windowStart === windowStart && seen.count < count)) this.seen.set(userId, { windowStart, count });
    const keepFrom = windowStart - this.windowMs;
    if (this.prunedBefore >= keepFrom) return;
    this.prunedBefore = keepFrom;
    for (const [id, entry] of this.seen) if (entry.windowStart < keepFrom) this.seen.delete(id);
  }
}
