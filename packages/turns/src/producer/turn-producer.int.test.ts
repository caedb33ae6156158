import { createLogger, createRedisKeys } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, type StreamEvent } from '@bedrock-mcp/contracts';
import { startTestRedis, testChatJob, type TestRedis } from '@bedrock-mcp/test-support';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TurnEventLog } from '../events/turn-event-log.js';
import { TurnEvents } from '../events/turn-events.js';
import { TurnAsks } from '../asks/turn-asks.js';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { RateCounter } from './rate-counter.js';
import { TurnProducer, TurnEnqueueError, type TurnRateGate } from './turn-producer.js';

const logger = createLogger({ service: 'test', level: 'silent' });

let redis: TestRedis;
let keys: TurnKeys;
let events: TurnEvents;
let producer: TurnProducer;
let queue: Queue;
let queueConnection: Redis;

beforeEach(async () => {
  redis = await startTestRedis('turn-producer');
  keys = createTurnKeys(redis.prefix);
  events = new TurnEvents({ subscriber: redis.client.duplicate(), redis: redis.client, prefix: redis.prefix, logger, idleTimeoutMs: 5000 });
  producer = new TurnProducer({ redis: redis.client, prefix: redis.prefix, events, logger, metaTtlSeconds: 120, slotTtlMs: 60_000 });
  queueConnection = redis.client.duplicate();
  queue = new Queue(CHAT_QUEUE_NAME, { connection: queueConnection, prefix: createRedisKeys(redis.prefix).bullPrefix });
});
afterEach(async () => {
  await producer.close();
  await events.close();
  await queue.close();
  await queueConnection.quit();
  await redis.close();
});

type Decision = { allowed: boolean; count: number };

/** A real per-user counter of `limit` turns; `waits` says whether the producer must await the count. */
function gate(limit: number, waits = false): TurnRateGate<Decision> & { connections: Redis[] } {
  const counter = new RateCounter({ redis: redis.client, prefix: redis.prefix });
  const window = { windowStart: 0, ttlMs: 60_000 };
  const connections: Redis[] = [];
  return {
    connections,
    shouldWait: () => waits,
    consume: async (userId) => {
      const count = await counter.count(userId, window);
      return { allowed: count <= limit, count };
    },
    countTurn: async (userId, turnId, connection) => {
      connections.push(connection);
      const count = await counter.countTurn(userId, turnId, window, limit, connection);
      return { allowed: count <= limit, count };
    },
  };
}

describe('TurnProducer.submit', () => {
  it('takes a slot, records the owner, subscribes, counts on the queue connection and enqueues the job (id = turn id)', async () => {
    const job = testChatJob();
    const rate = gate(5);
    const outcome = await producer.submit({ job, maxConcurrentTurns: 2, rate });
    expect(outcome).toMatchObject({ kind: 'enqueued', decision: { allowed: true, count: 1 } });
    expect(rate.connections).toHaveLength(1);
    expect(rate.connections[0]).not.toBe(redis.client);
    expect((await queue.getJob(job.turnId))?.data).toEqual(job);
    expect(await producer.meta(job.turnId)).toEqual({ userId: job.userId, model: job.model, status: 'queued', createdAt: job.createdAt });
    expect(await redis.client.ttl(keys.turnMeta(job.turnId))).toBeGreaterThan(100);
    expect(await redis.client.zscore(keys.userActiveTurns(job.userId), job.turnId)).not.toBeNull();

    // Subscribed before the enqueue: an event published now arrives on the returned stream.
    if (outcome.kind !== 'enqueued') throw new Error('not enqueued');
    const log = new TurnEventLog(redis.client, keys, { maxEvents: 10, ttlSeconds: 60 });
    await log.append({ turnId: job.turnId, type: 'done', finishReason: 'end_turn' });
    const received: StreamEvent[] = [];
    for await (const event of outcome.stream) received.push(event);
    expect(received.map((event) => event.type)).toEqual(['done']);
  });

  it('refuses a user holding every slot, leaving no meta and no job', async () => {
    const first = testChatJob();
    const second = testChatJob({ userId: first.userId });
    expect((await producer.submit({ job: first, maxConcurrentTurns: 1, rate: gate(5) })).kind).toBe('enqueued');
    expect(await producer.submit({ job: second, maxConcurrentTurns: 1, rate: gate(5) })).toEqual({ kind: 'busy', held: 1 });
    expect(await producer.meta(second.turnId)).toBeUndefined();
    expect(await queue.getJob(second.turnId)).toBeUndefined();
    expect(await redis.client.zcard(keys.userActiveTurns(first.userId))).toBe(1);
  });

  it('over the limit counted alongside the job: gives the turn up and flags the queued job as stopped', async () => {
    const rate = gate(1);
    const userId = 'over';
    await producer.submit({ job: testChatJob({ userId }), maxConcurrentTurns: 5, rate });
    const stops: string[] = [];
    const listener = redis.client.duplicate();
    listener.on('message', (_channel: string, turnId: string) => stops.push(turnId));
    await listener.subscribe(keys.cancelChannel());
    const job = testChatJob({ userId });
    expect(await producer.submit({ job, maxConcurrentTurns: 5, rate })).toEqual({ kind: 'rate_limited', decision: { allowed: false, count: 2 } });
    expect(await queue.getJob(job.turnId)).toBeDefined();
    expect(await redis.client.get(keys.turnCancel(job.turnId))).toBe('1');
    expect(await producer.meta(job.turnId)).toBeUndefined();
    expect(await redis.client.zscore(keys.userActiveTurns(userId), job.turnId)).toBeNull();
    // Twice: the count script's broadcast, then the flag's.
    await expect.poll(() => stops).toEqual([job.turnId, job.turnId]);
    await listener.quit();
  });

  it('near the limit: waits for the count and never queues a refused turn', async () => {
    const rate = gate(0, true);
    const job = testChatJob();
    expect(await producer.submit({ job, maxConcurrentTurns: 5, rate })).toEqual({ kind: 'rate_limited', decision: { allowed: false, count: 1 } });
    expect(rate.connections).toEqual([]);
    expect(await queue.getJob(job.turnId)).toBeUndefined();
    expect(await redis.client.exists(keys.turnCancel(job.turnId))).toBe(0);
    expect(await producer.meta(job.turnId)).toBeUndefined();
    expect(await redis.client.zcard(keys.userActiveTurns(job.userId))).toBe(0);
  });

  it('throws TurnEnqueueError when the queue refuses the job, after giving the turn up', async () => {
    // BullMQ refuses a custom job id with a colon.
    const job = testChatJob({ turnId: 'chatcmpl-bad:id' });
    const error = await producer.submit({ job, maxConcurrentTurns: 5, rate: gate(5) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TurnEnqueueError);
    expect((error as TurnEnqueueError).cause).toBeInstanceOf(Error);
    expect(await producer.meta(job.turnId)).toBeUndefined();
    expect(await redis.client.zcard(keys.userActiveTurns(job.userId))).toBe(0);
  });
});

describe('TurnProducer.stop, meta, close', () => {
  it('stop sets the flag (with the meta TTL) and broadcasts the turn id to the workers', async () => {
    const listener = redis.client.duplicate();
    const stops: string[] = [];
    listener.on('message', (channel: string, turnId: string) => stops.push(`${channel}:${turnId}`));
    await listener.subscribe(keys.cancelChannel());
    await producer.stop('chatcmpl-stopme');
    expect(await redis.client.get(keys.turnCancel('chatcmpl-stopme'))).toBe('1');
    expect(await redis.client.ttl(keys.turnCancel('chatcmpl-stopme'))).toBeGreaterThan(100);
    await expect.poll(() => stops).toEqual([`${keys.cancelChannel()}:chatcmpl-stopme`]);
    await listener.quit();
  });

  it('meta is undefined for an unknown turn', async () => {
    expect(await producer.meta('chatcmpl-unknown')).toBeUndefined();
  });

  it('close() is idempotent and closes the queue connection it created', async () => {
    const closing = producer.close();
    expect(producer.close()).toBe(closing);
    await closing;
    await expect(producer.submit({ job: testChatJob(), maxConcurrentTurns: 1, rate: gate(5) })).rejects.toThrow();
  });
});

describe('TurnProducer.answer', () => {
  const approval = (id: string) => ({ kind: 'approval' as const, id, toolUseId: `tu-${id}`, name: 'g__echo', serverId: 'g', toolName: 'echo', input: {}, reason: 'policy' });
  const asksOf = () => new TurnAsks(redis.client, keys, { ttlSeconds: 60 });

  it('promotes the delayed resume job once the last approval is answered, not before', async () => {
    const job = testChatJob();
    const resumeJobId = `${job.turnId}-resume-1`;
    await queue.add('resume', job, { jobId: resumeJobId, delay: 60_000 });
    await asksOf().open(job.turnId, [approval('ask_first0001'), approval('ask_second002')], Date.now() + 60_000, resumeJobId);

    expect(await producer.answer(job.turnId, { approvals: [{ id: 'ask_first0001', decision: 'approve' }], elicitations: [] })).toEqual({ kind: 'accepted', pendingApprovals: ['ask_second002'], resumeJobId });
    expect(await queue.getJobState(resumeJobId)).toBe('delayed');
    expect(await producer.answer(job.turnId, { approvals: [{ id: 'ask_second002', decision: 'deny' }], elicitations: [] })).toEqual({ kind: 'accepted', pendingApprovals: [], resumeJobId });
    expect(await queue.getJobState(resumeJobId)).toBe('waiting');
    expect(await producer.answer(job.turnId, { approvals: [{ id: 'ask_second002', decision: 'approve' }], elicitations: [] })).toEqual({ kind: 'answered', id: 'ask_second002' });
  });

  it('stop promotes the resume job of a paused turn, so it ends now rather than at expiry', async () => {
    const job = testChatJob();
    const resumeJobId = `${job.turnId}-resume-1`;
    await queue.add('resume', job, { jobId: resumeJobId, delay: 60_000 });
    await asksOf().open(job.turnId, [approval('ask_first0001')], Date.now() + 60_000, resumeJobId);
    await producer.stop(job.turnId);
    expect(await queue.getJobState(resumeJobId)).toBe('waiting');
  });
});
