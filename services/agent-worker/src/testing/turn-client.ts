import { createLogger, createRedisKeys, type RedisKeys } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, TurnAnswersSchema, type ChatJob, type StreamEvent, type TurnAnswersInput } from '@bedrock-mcp/contracts';
import { testChatJob } from '@bedrock-mcp/test-support';
import {
  createHistoryKeys,
  createTurnKeys,
  HistoryStore,
  parseLoggedEvent,
  splitPublishedEvents,
  TurnEventLog,
  TurnEvents,
  TurnProducer,
  type AnswerOutcome,
  type HistoryKeys,
  type HistoryScope,
  type TurnKeys,
} from '@bedrock-mcp/turns';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/** A valid chat job with the seed's defaults for `model`; override what the test needs. */
export function chatJob(overrides: Partial<ChatJob> & Pick<ChatJob, 'model'>): ChatJob {
  return testChatJob(overrides);
}

/**
 * What the gateway does with the chat queue, for tests: enqueue a job (job id = turn id), collect
 * the turn's events from its channel and replay log until `done`, request a stop, clear history.
 */
export class TurnClient {
  readonly keys: RedisKeys;
  readonly historyKeys: HistoryKeys;
  /** The turns' keys, for tests that read or set stored turn data. */
  readonly turnKeys: TurnKeys;
  readonly redis: Redis;
  readonly events: TurnEventLog;
  private readonly history: HistoryStore;
  private readonly queue: Queue;
  private readonly subscriber: Redis;
  private readonly queueConnection: Redis;
  private producer: { producer: TurnProducer; events: TurnEvents } | undefined;
  private readonly waiters = new Map<string, Set<{ events: Map<number, StreamEvent>; onEvent: () => void }>>();

  constructor(
    redisUrl: string,
    private readonly prefix: string,
  ) {
    this.keys = createRedisKeys(prefix);
    this.historyKeys = createHistoryKeys(prefix);
    this.turnKeys = createTurnKeys(prefix);
    this.redis = new Redis(redisUrl);
    this.history = new HistoryStore(this.redis, { prefix, logger: createLogger({ service: 'turn-client', level: 'silent' }) });
    this.subscriber = new Redis(redisUrl);
    this.events = new TurnEventLog(this.redis, this.turnKeys, { maxEvents: 10_000, ttlSeconds: 600 });
    this.queueConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(CHAT_QUEUE_NAME, { connection: this.queueConnection, prefix: this.keys.bullPrefix });
    this.subscriber.on('message', (_channel: string, message: string) => {
      for (const event of splitPublishedEvents(message).map(parseLoggedEvent)) {
        for (const waiter of this.waiters.get(event.turnId) ?? []) {
          waiter.events.set(event.seq, event);
          waiter.onEvent();
        }
      }
    });
  }

  /** Adds the job as the gateway must: job id = turn id, one attempt (recovery is by stalled-job takeover, not retries). */
  async enqueue(job: { turnId: string } & Record<string, unknown>): Promise<void> {
    await this.queue.add('turn', job, { jobId: job.turnId, attempts: 1, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 24 * 3600 } });
  }

  /**
   * Enqueues the job as BullMQ holds one whose worker died: started once before (its `ats`
   * counter), so the worker that takes it next resumes the turn instead of starting it.
   */
  async enqueueTakenOver(job: unknown & { turnId: string }): Promise<void> {
    await this.queue.add('turn', job, { jobId: job.turnId, attempts: 1, delay: 200 });
    await this.redis.hset(this.queue.toKey(job.turnId), 'ats', 1);
  }

  /** Removes a job (any state) from the queue, as if it had never been added. */
  async removeJob(jobId: string): Promise<void> {
    await this.queue.remove(jobId);
  }

  jobState(turnId: string): Promise<string> {
    return this.queue.getJobState(turnId);
  }

  /** Subscribes first, then enqueues, then waits for `done`; returns the events in seq order. */
  async run(job: unknown & { turnId: string }, timeoutMs = 20_000): Promise<StreamEvent[]> {
    const watching = await this.watch(job.turnId, timeoutMs);
    await this.enqueue(job);
    return watching.until;
  }

  /** Waits for the turn's `done` (or `until`), from the subscription plus the replay log. */
  async collect(turnId: string, timeoutMs = 20_000, until?: (events: StreamEvent[]) => boolean): Promise<StreamEvent[]> {
    return (await this.watch(turnId, timeoutMs, until)).until;
  }

  /** Resolves once subscribed; `until` resolves with the events (seq order) once `until(events)` holds. */
  async watch(
    turnId: string,
    timeoutMs = 20_000,
    until: (events: StreamEvent[]) => boolean = (events) => events.at(-1)?.type === 'done',
  ): Promise<{ until: Promise<StreamEvent[]> }> {
    const waiter = { events: new Map<number, StreamEvent>(), onEvent: () => {} };
    const waiters = this.waiters.get(turnId) ?? new Set();
    waiters.add(waiter);
    this.waiters.set(turnId, waiters);
    await this.subscriber.subscribe(this.turnKeys.turnChannel(turnId));
    const ordered = () => [...waiter.events.values()].sort((a, b) => a.seq - b.seq);
    const done = new Promise<StreamEvent[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`turn ${turnId}: no end within ${timeoutMs} ms; got ${JSON.stringify(ordered().map((e) => e.type))}`)), timeoutMs);
      waiter.onEvent = () => {
        const events = ordered();
        if (!until(events)) return;
        clearTimeout(timer);
        resolve(events);
      };
    }).finally(() => {
      waiters.delete(waiter);
      if (waiters.size > 0) return;
      this.waiters.delete(turnId);
      void this.subscriber.unsubscribe(this.turnKeys.turnChannel(turnId)).catch(() => {});
    });
    for (const event of await this.events.readAfter(turnId, 0)) waiter.events.set(event.seq, event);
    waiter.onEvent();
    return { until: done };
  }

  /** What the gateway does on POST /v1/stop/stream/{id}. */
  async requestStop(turnId: string): Promise<void> {
    await this.redis.set(this.turnKeys.turnCancel(turnId), '1', 'EX', 3600);
    await this.redis.publish(this.turnKeys.cancelChannel(), turnId);
  }

  /** What the gateway does on POST /v1/turns/{id}/approvals once it checked the owner: TurnProducer.answer. */
  answer(turnId: string, answers: TurnAnswersInput): Promise<AnswerOutcome> {
    return this.turnProducer().answer(turnId, TurnAnswersSchema.parse(answers));
  }

  /** TurnProducer.stop (which also wakes a turn paused for approval). */
  stop(turnId: string): Promise<void> {
    return this.turnProducer().stop(turnId);
  }

  private turnProducer(): TurnProducer {
    if (!this.producer) {
      const logger = createLogger({ service: 'turn-client', level: 'silent' });
      const events = new TurnEvents({ subscriber: this.redis.duplicate(), redis: this.redis, prefix: this.prefix, logger, idleTimeoutMs: 5000 });
      this.producer = { events, producer: new TurnProducer({ redis: this.redis, prefix: this.prefix, events, logger, metaTtlSeconds: 600, slotTtlMs: 60_000 }) };
    }
    return this.producer.producer;
  }

  /** What the gateway does on POST /v1/remove/history. */
  clearHistory(scope: HistoryScope): Promise<void> {
    return this.history.clear(scope);
  }

  async close(): Promise<void> {
    if (this.producer) {
      await this.producer.producer.close();
      await this.producer.events.close();
    }
    await this.queue.close();
    await this.queueConnection.quit();
    await this.subscriber.quit();
    await this.redis.quit();
  }
}
