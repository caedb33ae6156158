import { createRedisKeys } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, type ChatJob, type TurnAnswers } from '@bedrock-mcp/contracts';
import { Job, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TurnEventStream } from '../events/turn-event-stream.js';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { ActiveTurns } from './active-turns.js';
import { TurnAsks, type AnswerOutcome } from '../asks/turn-asks.js';
import type { TurnProducerOptions } from './turn-producer-options.js';

/** A turn's metadata: who owns it (for resume and stop). */
export interface TurnMeta {
  userId: string;
  model: string;
  status: string;
  /** epoch ms */
  createdAt: number;
}

/**
 * The caller's rate-limit policy (the gateway's RateLimiter): the producer decides when to count,
 * the policy what a count means.
 */
export interface TurnRateGate<D extends { allowed: boolean }> {
  /** True: the count is awaited before the job goes in, and a refused turn is never queued. */
  shouldWait(userId: string): boolean;
  /** Counts one request (on the shared connection). */
  consume(userId: string): Promise<D>;
  /** Counts the turn on `connection`, the queue's, just ahead of its job; over the limit it broadcasts the turn's stop in the same step. */
  countTurn(userId: string, turnId: string, connection: Redis): Promise<D>;
}

export interface TurnSubmission<D extends { allowed: boolean }> {
  /** The job payload; its turnId, userId, model and createdAt are the turn's. */
  job: ChatJob;
  /** Slots per user (MAX_CONCURRENT_TURNS_PER_USER). */
  maxConcurrentTurns: number;
  rate: TurnRateGate<D>;
}

export type TurnSubmitOutcome<D> =
  /** Queued; `stream` was subscribed before the job was enqueued, so no event is missed. */
  | { kind: 'enqueued'; stream: TurnEventStream; decision: D }
  /** The user holds `held` slots, the most allowed; nothing was queued. */
  | { kind: 'busy'; held: number }
  /** Over the rate limit; nothing runs (a job already queued was stopped). */
  | { kind: 'rate_limited'; decision: D };

/** The chat queue would not take the job (the turn was given up). */
export class TurnEnqueueError extends Error {
  override readonly name = 'TurnEnqueueError';
}

/**
 * A finished turn's record is its event log and meta, so a completed job (the whole request,
 * attachments included) is deleted at once; failed ones are kept a day for inspection (count-bounded).
 */
const JOB_RETENTION: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: true,
  removeOnFail: { count: 5000, age: 24 * 3600 },
};

/**
 * The gateway side of a turn: takes one of the user's concurrent-turn slots, records the turn's
 * owner, subscribes to its events, counts it against the rate limit and enqueues its job on the
 * BullMQ chat queue, in that order on the wire but without waiting for one another; and stops
 * turns. The count goes out on the queue's own connection just ahead of the job, so Redis applies
 * it first, and an over-limit turn is stopped by the count's script before any worker can take the
 * job. Near the limit the count is awaited first and a refused turn is never queued. The slot is
 * released by the consumer when the turn ends, or here when the turn is given up before it could run.
 */
export class TurnProducer {
  private readonly keys: TurnKeys;
  private readonly slots: ActiveTurns;
  private readonly asks: TurnAsks;
  /** The queue's own connection, without auto-pipelining: ioredis copies every defined script (BullMQ defines dozens) into each auto-pipeline batch. */
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: TurnProducerOptions) {
    this.keys = createTurnKeys(options.prefix);
    this.slots = new ActiveTurns(options.redis, this.keys, { slotTtlMs: options.slotTtlMs, ...(options.now ? { now: options.now } : {}) });
    this.asks = new TurnAsks(options.redis, this.keys, { ttlSeconds: options.metaTtlSeconds });
    this.queueConnection = options.redis.duplicate({ connectionName: options.queueConnectionName ?? 'bmcp-turn-queue', enableAutoPipelining: false });
    this.queue = new Queue(CHAT_QUEUE_NAME, { connection: this.queueConnection, prefix: createRedisKeys(options.prefix).bullPrefix });
    this.queue.on('error', (error) => options.logger.error({ err: error }, 'chat queue error'));
  }

  /**
   * Starts the turn. Throws when Redis or the queue fails (TurnEnqueueError for the queue), after
   * giving the turn up: its slot and meta removed, a job already queued stopped.
   */
  async submit<D extends { allowed: boolean }>({ job, maxConcurrentTurns, rate }: TurnSubmission<D>): Promise<TurnSubmitOutcome<D>> {
    const { turnId, userId } = job;
    const admitting = this.slots.admit(userId, turnId, maxConcurrentTurns);
    admitting.catch(() => undefined);
    const created = this.createMeta(turnId, { userId, model: job.model, status: 'queued', createdAt: job.createdAt });
    const opening = this.options.events.openTracked(turnId, { fresh: true });
    // The worker's first event must not reach Redis before the SUBSCRIBE.
    await opening.sent;
    const abandon = async (stopQueuedJob: boolean) => {
      if (stopQueuedJob) await this.stop(turnId).catch((error: unknown) => this.options.logger.warn({ err: error, turnId }, 'could not flag an abandoned turn as stopped'));
      const [stream] = await Promise.allSettled([opening.opened, created]);
      if (stream.status === 'fulfilled') stream.value.close();
      await Promise.all([this.removeMeta(turnId).catch(() => undefined), this.slots.release(userId, turnId).catch(() => undefined)]);
    };
    const admission = await admitting.catch(async (error: unknown) => {
      await abandon(false);
      throw error;
    });
    if (!admission.admitted) {
      await abandon(false);
      return { kind: 'busy', held: admission.held };
    }
    const waits = rate.shouldWait(userId);
    const counted = waits ? rate.consume(userId) : rate.countTurn(userId, turnId, this.queueConnection);
    if (waits) {
      const early = await counted.catch(async (error: unknown) => {
        await abandon(false);
        throw error;
      });
      if (!early.allowed) {
        await abandon(false);
        return { kind: 'rate_limited', decision: early };
      }
    }
    const added = this.queue.add('chat', job, { jobId: turnId, ...JOB_RETENTION });
    const [decision, recorded, opened, enqueued] = await Promise.allSettled([counted, created, opening.opened, added]);

    const failed = [decision, recorded, opened].find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    const refused = decision.status === 'fulfilled' && !decision.value.allowed;
    if (failed || refused || enqueued.status === 'rejected') {
      // A job already queued must not run: the count's script broadcast a refused turn's stop, and
      // the flag covers a worker that was not listening then.
      await abandon(enqueued.status === 'fulfilled');
      if (refused) return { kind: 'rate_limited', decision: decision.value };
      if (failed) throw failed.reason;
      throw new TurnEnqueueError('could not enqueue the chat job', { cause: (enqueued as PromiseRejectedResult).reason });
    }
    return {
      kind: 'enqueued',
      stream: (opened as PromiseFulfilledResult<TurnEventStream>).value,
      decision: (decision as PromiseFulfilledResult<D>).value,
    };
  }

  /** The turn's meta; undefined for an unknown (or expired) turn. */
  async meta(turnId: string): Promise<TurnMeta | undefined> {
    const meta = await this.options.redis.hgetall(this.keys.turnMeta(turnId));
    if (!meta.userId) return undefined;
    return { userId: meta.userId, model: meta.model ?? '', status: meta.status ?? '', createdAt: Number(meta.createdAt ?? 0) };
  }

  /**
   * Records the owner's answers to the turn's asks (the caller checked the owner). When they were
   * the last approvals a paused turn waited for, its resume job runs now rather than at expiry.
   */
  async answer(turnId: string, answers: TurnAnswers): Promise<AnswerOutcome> {
    const outcome = await this.asks.answer(turnId, answers);
    if (outcome.kind === 'accepted' && outcome.pendingApprovals.length === 0 && outcome.resumeJobId) await this.promote(turnId, outcome.resumeJobId);
    return outcome;
  }

  /**
   * Asks the worker running the turn to stop: a flag it checks, and a broadcast on the cancel
   * channel. A turn paused for approval has no worker: its resume job runs now, sees the flag and
   * ends the turn (stop_requested).
   */
  async stop(turnId: string): Promise<void> {
    // The flag first (same connection, so in order): a worker woken by the broadcast finds it set.
    const [, , resumeJobId] = await Promise.all([
      this.options.redis.set(this.keys.turnCancel(turnId), '1', 'EX', this.options.metaTtlSeconds),
      this.options.redis.publish(this.keys.cancelChannel(), turnId),
      this.options.redis.hget(this.keys.turnAsks(turnId), 'resume'),
    ]);
    if (resumeJobId) await this.promote(turnId, resumeJobId);
  }

  /** Runs a paused turn's delayed resume job now. */
  private async promote(turnId: string, resumeJobId: string): Promise<void> {
    const job = await Job.fromId(this.queue, resumeJobId);
    // Not delayed any more: it fired at expiry just now, or a worker is already on it (or done with it).
    await job?.promote().catch((error: unknown) => this.options.logger.debug({ err: error, turnId }, 'the resume job was not delayed'));
  }

  /** Closes the queue and its connection (not `redis` nor `events`, which the caller owns). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.close().catch((error: unknown) => this.options.logger.warn({ err: error }, 'closing the chat queue failed'));
      await this.queueConnection.quit().catch(() => this.queueConnection.disconnect());
    })();
    return this.closing;
  }

  private async createMeta(turnId: string, meta: TurnMeta): Promise<void> {
    const key = this.keys.turnMeta(turnId);
    // Plain commands (auto-pipelined with the rest of the tick's traffic) rather than MULTI.
    await Promise.all([
      this.options.redis.hset(key, { userId: meta.userId, model: meta.model, status: meta.status, createdAt: String(meta.createdAt) }),
      this.options.redis.expire(key, this.options.metaTtlSeconds),
    ]);
  }

  private async removeMeta(turnId: string): Promise<void> {
    await this.options.redis.del(this.keys.turnMeta(turnId));
  }
}
