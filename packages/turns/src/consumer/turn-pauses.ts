import { createRedisKeys } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, type ChatJob } from '@bedrock-mcp/contracts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { conversationOf, type TurnHolder } from '../producer/active-turns.js';
import type { TurnKeys } from '../turn-keys.js';

const RESUME_MARK = '-resume-';

/** The BullMQ job id of a turn's resume after its `n`th pause (BullMQ forbids ':' in custom ids). */
export function resumeJobIdOf(turnId: string, n: number): string {
  return `${turnId}${RESUME_MARK}${n}`;
}

/** Which pause a chat job resumes: 0 for the turn's own job, n for `resumeJobIdOf(turnId, n)`. */
export function generationOf(jobId: string | undefined, turnId: string): number {
  if (!jobId?.startsWith(`${turnId}${RESUME_MARK}`)) return 0;
  const n = Number(jobId.slice(turnId.length + RESUME_MARK.length));
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/**
 * What a worker does to pause a turn without holding it: the delayed job that resumes it (on the
 * chat queue, so any worker takes it), and keeping the turn's keys and the user's slot alive for
 * the wait. The caller owns `connection` (BullMQ's).
 */
export class TurnPauses {
  private readonly queue: Queue;

  constructor(
    private readonly redis: Redis,
    connection: Redis,
    private readonly keys: TurnKeys,
    prefix: string,
  ) {
    this.queue = new Queue(CHAT_QUEUE_NAME, { connection, prefix: createRedisKeys(prefix).bullPrefix });
  }

  /**
   * Enqueues the job that resumes the turn after its `n`th pause, due in `delayMs` (the asks'
   * expiry; TurnProducer.answer runs it sooner). Idempotent: the same id is added once.
   */
  async scheduleResume(job: ChatJob, n: number, delayMs: number): Promise<string> {
    const jobId = resumeJobIdOf(job.turnId, n);
    await this.queue.add('resume', job, {
      jobId,
      delay: Math.max(0, delayMs),
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: { count: 5000, age: 24 * 3600 },
    });
    return jobId;
  }

  /**
   * Keeps the turn's meta, replay log, sequence and tool ledger `ttlSeconds` from now, and the
   * user's concurrent-turn slot (and its conversation's claim) until `slotUntil` (epoch ms; never
   * shortened): a paused turn still counts against the user's MAX_CONCURRENT_TURNS_PER_USER, and
   * holds its conversation.
   */
  async holdFor(turn: TurnHolder, ttlSeconds: number, slotUntil: number): Promise<void> {
    const { turnId, userId } = turn;
    const slots = this.keys.userActiveTurns(userId);
    const ttlMs = Math.max(0, slotUntil - Date.now());
    const conversationId = conversationOf(turn);
    const multi = this.redis.multi();
    // The conversation stays claimed as long as the paused turn's slot (GT: never shortened; a claim already released stays released).
    if (conversationId !== undefined) multi.pexpire(this.keys.conversationTurn(userId, conversationId), ttlMs, 'GT');
    await multi
      .expire(this.keys.turnMeta(turnId), ttlSeconds)
      .expire(this.keys.turnLog(turnId), ttlSeconds)
      .expire(this.keys.turnSeq(turnId), ttlSeconds)
      .expire(this.keys.turnToolResults(turnId), ttlSeconds)
      // XX: a slot already released (the turn ended) is not taken again.
      .zadd(slots, 'XX', 'GT', slotUntil, turnId)
      .pexpire(slots, ttlMs, 'GT')
      .exec();
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
