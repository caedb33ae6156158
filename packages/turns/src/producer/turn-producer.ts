import { createRedisKeys, quitOrDisconnect } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, type ChatJob, type TurnAnswers } from '@bedrock-mcp/contracts';
import { Job, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TurnEventStream } from '../events/turn-event-stream.js';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { ActiveTurns, conversationOf, type TurnAdmission, type TurnHolder } from './active-turns.js';
import type { RateWindow } from './rate-counter.js';
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
 * The caller's rate-limit policy (the gateway's RateLimiter): the producer counts the turn in the
 * step that admits it, the policy says where the count lands and what it means.
 */
export interface TurnRateGate<D extends { allowed: boolean }> {
  /** Turns allowed per window. */
  readonly limit: number;
  /** The window a count made now lands in. */
  window(): RateWindow;
  /** What a user's `count` in `window` means (headers, allowed or not). */
  decide(window: RateWindow, count: number): D;
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
  /** The user holds `held` slots, the most allowed; nothing was queued (the request was counted: `decision`). */
  | { kind: 'busy'; held: number; decision: D }
  /** The turn's conversation has a turn running (`runningTurnId`); nothing was queued (the request was counted). */
  | { kind: 'conversation_busy'; runningTurnId: string; decision: D }
  /** Over the rate limit; nothing was queued. */
  | { kind: 'rate_limited'; decision: D };

/** What a turn's admission needs before its job is built: whose, in which conversation, and its meta's fields. */
export type TurnOpening = TurnHolder & Pick<ChatJob, 'model' | 'createdAt'>;

/**
 * A turn whose admission is under way (TurnProducer.start). It ends one way: `enqueue` with the
 * turn's job, or `abandon` when the request is refused after all.
 */
export interface StartedTurn<D> {
  readonly turnId: string;
  /** epoch ms */
  readonly createdAt: number;
  /** Finishes the submission with the turn's job, whose ids, model and conversation are the started turn's. */
  enqueue(job: ChatJob): Promise<TurnSubmitOutcome<D>>;
  /**
   * Gives the turn up: frees what the admission took. Resolves with the request's rate decision
   * (the admission counted it), or undefined when the admission failed. Idempotent.
   */
  abandon(): Promise<D | undefined>;
}

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
 * The gateway side of a turn: counts it against the rate limit and takes one of the user's
 * concurrent-turn slots (and, for a turn in a conversation, the conversation's claim: one turn at a
 * time per conversation) in one Lua step, records the turn's owner and the hub that reads its events
 * alongside (the hub's own channel, subscribed once: no SUBSCRIBE per turn), then enqueues its job
 * on the BullMQ chat queue: two round trips, and a turn refused for any reason is never queued. The
 * slot is released by the consumer when the turn ends, or here when the turn is given up before it
 * could run.
 */
export class TurnProducer {
  private readonly keys: TurnKeys;
  private readonly slots: ActiveTurns;
  private readonly asks: TurnAsks;
  /**
   * The queue's own connection, without auto-pipelining (ioredis copies every defined script, and
   * BullMQ defines dozens, into each auto-pipeline batch); a quiet gateway's admissions go on it too.
   */
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
   * giving the turn up: its slot and meta removed.
   */
  submit<D extends { allowed: boolean }>({ job, maxConcurrentTurns, rate }: TurnSubmission<D>): Promise<TurnSubmitOutcome<D>> {
    return this.start(job, { maxConcurrentTurns, rate }).enqueue(job);
  }

  /**
   * Sends the turn's admission, meta and subscription now, before its job exists: a caller that
   * still has the request to validate does it while they travel, then enqueues the job (or gives
   * the turn up). The job is enqueued only once the admission's reply is in and admitted it.
   */
  start<D extends { allowed: boolean }>(turn: TurnOpening, { maxConcurrentTurns, rate }: Omit<TurnSubmission<D>, 'job'>): StartedTurn<D> {
    const { turnId, userId } = turn;
    const window = rate.window();
    // A quiet gateway (reading no other turn) writes the admission and the meta at once, on the
    // queue's connection (no auto-pipelining), so they travel while the caller validates the request;
    // a busy one lets them join the shared connection's next batched write (less CPU under load).
    const quiet = this.options.events.openTurns === 0;
    const connection = quiet ? this.queueConnection : this.options.redis;
    // The three commands are written as they are issued, just below: corked, they leave in one write.
    const socket = quiet ? connection.stream : undefined;
    socket?.cork();
    let admitting: Promise<TurnAdmission>;
    let created: Promise<void>;
    try {
      admitting = this.slots.admit(turn, maxConcurrentTurns, { window, limit: rate.limit }, connection);
      created = this.createMeta(turnId, { userId, model: turn.model, status: 'queued', createdAt: turn.createdAt }, connection);
    } finally {
      socket?.uncork();
    }
    admitting.catch(() => undefined);
    created.catch(() => undefined);
    // Its events come on the hub's own channel, which the meta names: no SUBSCRIBE for this turn.
    const opening = this.options.events.open(turnId, { fresh: true, viaHome: true });
    opening.catch(() => undefined);
    const giveUp = async (taken: boolean) => {
      const [stream] = await Promise.allSettled([opening, created]);
      if (stream.status === 'fulfilled') stream.value.close();
      await Promise.all([this.removeMeta(turnId).catch(() => undefined), taken ? this.slots.release(turn).catch(() => undefined) : undefined]);
    };
    let ended: Promise<D | undefined> | undefined;
    const abandon = () =>
      (ended ??= admitting.then(
        async (admission) => {
          await giveUp(admission.admitted);
          return rate.decide(window, admission.count);
        },
        async () => {
          await giveUp(true);
          return undefined;
        },
      ));
    const enqueue = async (job: ChatJob): Promise<TurnSubmitOutcome<D>> => {
      if (ended) throw new Error(`turn ${turnId} was given up`);
      if (job.turnId !== turnId || job.userId !== userId || job.model !== turn.model || conversationOf(job) !== conversationOf(turn)) {
        await abandon();
        throw new Error(`the job is not turn ${turnId}'s as it was started`);
      }
      ended = Promise.resolve(undefined);
      const admission = await admitting.catch(async (error: unknown) => {
        await giveUp(true);
        throw error;
      });
      const decision = rate.decide(window, admission.count);
      if (!admission.admitted) {
        // Nothing was taken, so nothing of another turn is released here: the claim names the running turn.
        await giveUp(false);
        if (admission.reason === 'rate_limited') return { kind: 'rate_limited', decision };
        return admission.reason === 'conversation_busy'
          ? { kind: 'conversation_busy', runningTurnId: admission.runningTurnId, decision }
          : { kind: 'busy', held: admission.held, decision };
      }
      // The meta is written, and the hub subscribed, before the job is enqueued: the worker's events go
      // where the meta says. Both replies came with the admission's, so this waits for nothing in practice.
      const [recorded, opened] = await Promise.allSettled([created, opening]);
      const failed = [recorded, opened].find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed) {
        await giveUp(true);
        throw failed.reason;
      }
      try {
        await this.queue.add('chat', job, { jobId: turnId, ...JOB_RETENTION });
      } catch (error) {
        await giveUp(true);
        throw new TurnEnqueueError('could not enqueue the chat job', { cause: error });
      }
      return { kind: 'enqueued', stream: (opened as PromiseFulfilledResult<TurnEventStream>).value, decision };
    };
    return { turnId, createdAt: turn.createdAt, enqueue, abandon };
  }

  /** The turn running in one of the user's conversations (claimed when admitted, released when it ends); null when none does. */
  activeTurnOf(userId: string, conversationId: string): Promise<string | null> {
    return this.slots.conversationTurn(userId, conversationId);
  }

  /** Forgets the tools the user approved for the rest of a conversation (the conversation was deleted). */
  async forgetConversationApprovals(userId: string, conversationId: string): Promise<void> {
    await this.options.redis.del(this.keys.conversationApprovals(userId, conversationId));
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
      await quitOrDisconnect(this.queueConnection);
    })();
    return this.closing;
  }

  /** The meta also names the hub's channel, where the worker publishes the turn's events too. */
  private async createMeta(turnId: string, meta: TurnMeta, connection: Redis): Promise<void> {
    const key = this.keys.turnMeta(turnId);
    // Plain commands rather than MULTI, on the connection start chose (auto-pipelined when the gateway is busy).
    const homeChannel = this.options.events.homeChannel;
    await Promise.all([
      connection.hset(key, { userId: meta.userId, model: meta.model, status: meta.status, createdAt: String(meta.createdAt), homeChannel }),
      connection.expire(key, this.options.metaTtlSeconds),
    ]);
  }

  private async removeMeta(turnId: string): Promise<void> {
    await this.options.redis.del(this.keys.turnMeta(turnId));
  }
}
