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
 * trip), shared by every gateway replica. A chat turn is counted by the TurnProducer in the Lua step
 * that admits it (this says where the count lands and what it means), so a turn over the limit is
 * never queued.
 */
export class RateLimiter implements TurnRateGate<RateLimitDecision> {
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get limit(): number {
    return this.options.limit;
  }

  async consume(userId: string): Promise<RateLimitDecision> {
    const window = this.window();
    return this.decide(window, await this.options.counter.count(userId, window));
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

  /** The window a count made now lands in. */
  window(): RateWindow {
    const now = this.now();
    const window: RateWindow = { windowStart: now - (now % this.windowMs), ttlMs: this.windowMs + 1000 };
    return this.options.bucket ? { ...window, bucket: this.options.bucket.name } : window;
  }

  /** What the user's `count` in `window` means. */
  decide(window: RateWindow, count: number): RateLimitDecision {
    const resetSeconds = Math.max(1, Math.ceil((window.windowStart + this.windowMs - this.now()) / 1000));
    const decision: RateLimitDecision = { allowed: count <= this.options.limit, limit: this.options.limit, remaining: Math.max(0, this.options.limit - count), resetSeconds };
    return this.options.bucket ? { ...decision, counted: this.options.bucket.counted } : decision;
  }
}
