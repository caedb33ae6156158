import type { Redis } from 'ioredis';
import { turnScript } from '../lua-scripts.js';
import type { TurnKeys } from '../turn-keys.js';

/** See lua/admit-turn.lua: prune expired slots, then take one unless the user is at the limit. */
const ADMIT_TURN = turnScript('admit-turn', 1);

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
    private readonly keys: TurnKeys,
    private readonly options: ActiveTurnsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async admit(userId: string, turnId: string, limit: number): Promise<TurnAdmission> {
    const now = this.now();
    const { slotTtlMs } = this.options;
    const result = Number(await ADMIT_TURN.run(this.redis, [this.keys.userActiveTurns(userId)], [now, now + slotTtlMs, limit, turnId, slotTtlMs]));
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
