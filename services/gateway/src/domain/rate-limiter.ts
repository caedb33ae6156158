import type { Redis, RedisKeys } from '@bedrock-mcp/common';
import { GatewayError } from './gateway-error.js';

export interface RateLimiterOptions {
  redis: Redis;
  keys: RedisKeys;
  /** Requests allowed per user per window. */
  limit: number;
  /** Window length in milliseconds; default one minute. */
  windowMs?: number;
  now?: () => number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * A per-user fixed-window counter in Redis (INCR + PEXPIRE, one round trip), shared by every
 * gateway replica.
 */
export class RateLimiter {
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async consume(userId: string): Promise<RateLimitDecision> {
    const now = this.now();
    const windowStart = now - (now % this.windowMs);
    const key = this.options.keys.userRateLimit(userId, windowStart);
    // Two plain commands rather than MULTI: they ride ioredis' auto-pipelining with everything else
    // sent in the same tick (one socket write for many requests), and need no atomicity here.
    const [count] = await Promise.all([this.options.redis.incr(key), this.options.redis.pexpire(key, this.windowMs + 1000)]);
    const resetSeconds = Math.max(1, Math.ceil((windowStart + this.windowMs - now) / 1000));
    return { allowed: count <= this.options.limit, limit: this.options.limit, remaining: Math.max(0, this.options.limit - count), resetSeconds };
  }

  /** Consumes one request or throws 429 with retry-after. Returns the rate-limit headers to send. */
  async enforce(userId: string): Promise<Record<string, string>> {
    const decision = await this.consume(userId);
    const headers = {
      'x-ratelimit-limit-requests': String(decision.limit),
      'x-ratelimit-remaining-requests': String(decision.remaining),
      'x-ratelimit-reset-requests': `${decision.resetSeconds}s`,
    };
    if (!decision.allowed) {
      throw new GatewayError('rate_limit_exceeded', `Rate limit of ${decision.limit} requests per minute reached; retry in ${decision.resetSeconds} s.`, null, {
        ...headers,
        'retry-after': String(decision.resetSeconds),
      });
    }
    return headers;
  }
}
