import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/**
 * Takes a slot unless the user holds `limit` unexpired ones. KEYS: the user's sorted set. ARGV: now
 * (epoch ms), slot expiry (epoch ms), limit, turn id, key TTL (ms). Returns the slots held after
 * the call, negated when refused.
 */
const ADMIT_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[3]) then return -held end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return held + 1
`;
const ADMIT_SHA = createHash('sha1').update(ADMIT_SCRIPT).digest('hex');

export interface ActiveTurnsOptions {
  /**
   * Milliseconds a slot lasts unless released first: the safety net for a worker that died without
   * ending its turn. Longer than the longest turn (TURN_TIMEOUT_MS) plus time in the queue.
   */
  slotTtlMs: number;
  now?: () => number;
}

export interface TurnAdmission {
  admitted: boolean;
  /** Slots the user holds (after taking one, when admitted). */
  held: number;
}

/**
 * Each user's running or queued chat turns, shared by every gateway and worker: one Redis sorted
 * set per user, member = turn id, score = when the slot expires. The gateway admits a turn before
 * enqueueing it; the worker releases it when the turn ends (and the gateway when it gives a turn
 * up). A slot nobody releases expires by its score, so a crash cannot leak it for good.
 */
export class ActiveTurns {
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: ActiveTurnsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async admit(userId: string, turnId: string, limit: number): Promise<TurnAdmission> {
    const now = this.now();
    const { slotTtlMs } = this.options;
    const args = [this.keys.userActiveTurns(userId), now, now + slotTtlMs, limit, turnId, slotTtlMs] as const;
    let result: number;
    try {
      result = Number(await this.redis.evalsha(ADMIT_SHA, 1, ...args));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      result = Number(await this.redis.eval(ADMIT_SCRIPT, 1, ...args));
    }
    return { admitted: result > 0, held: Math.abs(result) };
  }

  /** Frees the turn's slot; idempotent. */
  async release(userId: string, turnId: string): Promise<void> {
    await this.redis.zrem(this.keys.userActiveTurns(userId), turnId);
  }

  /** Unexpired slots the user holds. */
  async held(userId: string): Promise<number> {
    return this.redis.zcount(this.keys.userActiveTurns(userId), `(${this.now()}`, '+inf');
  }
}
