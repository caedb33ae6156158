import { DEFAULT_CONVERSATION_ID, type ChatJob } from '@bedrock-mcp/contracts';
import type { Redis } from 'ioredis';
import { turnScript } from '../lua-scripts.js';
import type { TurnKeys } from '../turn-keys.js';
import type { RateWindow } from './rate-counter.js';

/**
 * See lua/admit-turn.lua: count the turn against the rate limit, prune expired slots, then take one
 * unless the user is over the rate or at the slot limit (and, with a conversation, claim it unless a turn runs there).
 */
const ADMIT_TURN = turnScript('admit-turn', 2);
const ADMIT_CONVERSATION_TURN = turnScript('admit-turn', 3);
/** See lua/release-turn.lua: free the slot, and the conversation's claim if it is still this turn's. */
const RELEASE_CONVERSATION_TURN = turnScript('release-turn', 2);

export interface ActiveTurnsOptions {
  /**
   * Milliseconds a slot lasts unless released first: the safety net for a worker that died without
   * ending its turn. Longer than the longest turn (TURN_TIMEOUT_MS) plus time in the queue.
   */
  slotTtlMs: number;
  now?: () => number;
}

/** What a turn's slot and conversation claim are known by: the fields of its job. */
export type TurnHolder = Pick<ChatJob, 'userId' | 'turnId' | 'conversationId' | 'keepSession'>;

/** The rate-limit window a turn is counted in, and how many turns it allows. */
export interface TurnRateCount {
  window: RateWindow;
  limit: number;
}

export type TurnAdmission = (
  /** `held`: slots the user holds (after taking one, when admitted). */
  | { admitted: true; held: number }
  | { admitted: false; reason: 'user_busy'; held: number }
  /** Another turn runs in the conversation (`runningTurnId`); nothing was taken. */
  | { admitted: false; reason: 'conversation_busy'; runningTurnId: string }
  /** Over the rate limit; nothing was taken. */
  | { admitted: false; reason: 'rate_limited' }
) & {
  /** The user's count in the rate window, this turn's included (a refused turn counts too). */
  count: number;
};

/** The conversation a turn runs in: its `conversationId`, or with keepSession the user's default one; undefined for none. */
export function conversationOf(turn: Pick<ChatJob, 'conversationId' | 'keepSession'>): string | undefined {
  return turn.conversationId ?? (turn.keepSession ? DEFAULT_CONVERSATION_ID : undefined);
}

/**
 * Each user's running or queued chat turns, shared by every gateway and worker: one Redis sorted
 * set per user, member = turn id, score = when the slot expires; and per conversation the turn
 * that runs in it (one at a time), claimed in the same step as the slot. The gateway admits a turn
 * before enqueueing it; the worker releases it when the turn ends (and the gateway when it gives a
 * turn up). A slot or claim nobody releases expires, so a crash cannot leak it for good.
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

  /**
   * Counts the turn in `rate`'s window and, unless that or the user's slots or the conversation
   * refuse it, takes its slot (and claim): one round trip, on `connection` when given.
   */
  async admit(turn: TurnHolder, limit: number, rate: TurnRateCount, connection: Redis = this.redis): Promise<TurnAdmission> {
    const now = this.now();
    const { slotTtlMs } = this.options;
    const args = [now, now + slotTtlMs, limit, turn.turnId, slotTtlMs, rate.window.ttlMs, rate.limit];
    const userKeys = [this.keys.userActiveTurns(turn.userId), this.keys.userRateLimit(turn.userId, rate.window.windowStart, rate.window.bucket)];
    const conversationId = conversationOf(turn);
    const [admission, counted] = (
      conversationId === undefined
        ? await ADMIT_TURN.run(connection, userKeys, args)
        : await ADMIT_CONVERSATION_TURN.run(connection, [...userKeys, this.keys.conversationTurn(turn.userId, conversationId)], args)
    ) as [number | string, number];
    const count = Number(counted);
    if (typeof admission === 'string') return { admitted: false, reason: 'conversation_busy', runningTurnId: admission, count };
    const held = Number(admission);
    if (held === 0) return { admitted: false, reason: 'rate_limited', count };
    return held > 0 ? { admitted: true, held, count } : { admitted: false, reason: 'user_busy', held: -held, count };
  }

  /**
   * Frees the turn's slot, and its conversation's claim while that is still this turn's; idempotent.
   * It reaches Redis before any command issued after it on the connection: the worker's `done`
   * follows it, and a client that reads the conversation on `done` must find it free. A turn outside
   * a conversation frees its slot with a plain ZREM; one in a conversation runs the script as EVAL
   * (an EVALSHA answered NOSCRIPT would be retried after that `done`).
   */
  async release(turn: TurnHolder): Promise<void> {
    const conversationId = conversationOf(turn);
    if (conversationId === undefined) await this.redis.zrem(this.keys.userActiveTurns(turn.userId), turn.turnId);
    else await RELEASE_CONVERSATION_TURN.runInOrder(this.redis, [this.keys.userActiveTurns(turn.userId), this.keys.conversationTurn(turn.userId, conversationId)], [turn.turnId]);
  }

  /** Unexpired slots the user holds. */
  async held(userId: string): Promise<number> {
    return this.redis.zcount(this.keys.userActiveTurns(userId), `(${this.now()}`, '+inf');
  }

  /** The turn running in one of the user's conversations; null when none does. */
  async conversationTurn(userId: string, conversationId: string): Promise<string | null> {
    return this.redis.get(this.keys.conversationTurn(userId, conversationId));
  }
}
