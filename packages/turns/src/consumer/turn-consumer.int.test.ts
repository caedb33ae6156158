import { createLogger, createRedisKeys } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, type ChatJob, type StreamEvent } from '@bedrock-mcp/contracts';
import { startTestRedis, testChatJob, type TestRedis } from '@bedrock-mcp/test-support';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TurnEvents } from '../events/turn-events.js';
import type { TurnEventStream } from '../events/turn-event-stream.js';
import { TurnProducer } from '../producer/turn-producer.js';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { TurnConsumer, type TurnContext } from './turn-consumer.js';

const logger = createLogger({ service: 'test', level: 'silent' });

let redis: TestRedis;
let keys: TurnKeys;
let bull: Redis;
let subscriber: Redis;
let consumer: TurnConsumer;

beforeEach(async () => {
  redis = await startTestRedis('turn-consumer');
  keys = createTurnKeys(redis.prefix);
  bull = new Redis(redis.url, { maxRetriesPerRequest: null });
  subscriber = new Redis(redis.url);
  consumer = new TurnConsumer({
    redis: redis.client,
    connection: bull,
    subscriber,
    prefix: redis.prefix,
    concurrency: 4,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    maxStalledCount: 1,
    maxEvents: 100,
    ttlSeconds: 60,
    workerId: 'test-worker',
    logger,
  });
});
afterEach(async () => {
  await consumer.close();
  await bull.quit();
  await redis.close();
});

async function readAll(stream: TurnEventStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for (let batch = await stream.nextBatch(); batch; batch = await stream.nextBatch()) events.push(...batch);
  return events;
}

describe('TurnConsumer', () => {
  it('runs a job the producer enqueued: the runner gets the parsed job, and its events reach the producer’s stream; the slot is released', async () => {
    const runs: Array<{ job: ChatJob; context: TurnContext }> = [];
    await consumer.start(async (job, context) => {
      runs.push({ job, context });
      await consumer.events.append({ turnId: job.turnId, type: 'start', model: job.model, userId: job.userId });
      await consumer.slots.release(job);
      await consumer.events.append({ turnId: job.turnId, type: 'done', finishReason: 'end_turn' });
      return 'end_turn';
    });
    const events = new TurnEvents({ subscriber: redis.client.duplicate(), redis: redis.client, prefix: redis.prefix, logger, idleTimeoutMs: 10_000 });
    const producer = new TurnProducer({ redis: redis.client, prefix: redis.prefix, events, logger, metaTtlSeconds: 60, slotTtlMs: 60_000 });
    const job = testChatJob();
    const outcome = await producer.submit({
      job,
      maxConcurrentTurns: 1,
      rate: { limit: 10, window: () => ({ windowStart: 0, ttlMs: 60_000 }), decide: (_window, count) => ({ allowed: count <= 10 }) },
    });
    if (outcome.kind !== 'enqueued') throw new Error(`not enqueued: ${outcome.kind}`);
    expect((await readAll(outcome.stream)).map((event) => `${event.seq}:${event.type}`)).toEqual(['1:start', '2:done']);
    expect(runs).toEqual([{ job, context: { lost: expect.any(AbortSignal), firstAttempt: true, generation: 0 } }]);
    expect(await redis.client.zcard(keys.userActiveTurns(job.userId))).toBe(0);
    await producer.close();
    await events.close();
  });

  it('ends a job whose payload is not a chat job with error + done, and frees its slot, without running it', async () => {
    let ran = false;
    await consumer.start(async () => {
      ran = true;
      return 'end_turn';
    });
    const turnId = 'chatcmpl-badpayload1';
    await redis.client.zadd(keys.userActiveTurns('ann'), Date.now() + 60_000, turnId);
    const queueConnection = redis.client.duplicate();
    const queue = new Queue(CHAT_QUEUE_NAME, { connection: queueConnection, prefix: createRedisKeys(redis.prefix).bullPrefix });
    await queue.add('chat', { turnId, userId: 'ann', model: 42 }, { jobId: turnId });
    await expect.poll(async () => (await consumer.events.readAfter(turnId, 0)).map((event) => event.type), { timeout: 10_000 }).toEqual(['error', 'done']);
    const [error, done] = await consumer.events.readAfter(turnId, 0);
    expect(error).toMatchObject({ type: 'error', code: 'invalid_request', message: expect.stringContaining('invalid chat job: model') });
    expect(done).toMatchObject({ type: 'done', finishReason: 'error' });
    expect(await redis.client.zcard(keys.userActiveTurns('ann'))).toBe(0);
    expect(ran).toBe(false);
    await queue.close();
    await queueConnection.quit();
  });

  it('schedules a paused turn\'s resume job (delayed, once per pause) and tells the runner which pause it resumes', async () => {
    const runs: Array<{ turnId: string; context: TurnContext }> = [];
    await consumer.start(async (job, context) => {
      runs.push({ turnId: job.turnId, context });
      return 'paused';
    });
    const job = testChatJob();
    const jobId = await consumer.pauses.scheduleResume(job, 2, 60_000);
    expect(jobId).toBe(`${job.turnId}-resume-2`);
    expect(await consumer.pauses.scheduleResume(job, 2, 60_000)).toBe(jobId);
    const queueConnection = redis.client.duplicate();
    const queue = new Queue(CHAT_QUEUE_NAME, { connection: queueConnection, prefix: createRedisKeys(redis.prefix).bullPrefix });
    expect(await queue.getDelayedCount()).toBe(1);
    await (await queue.getJob(jobId))!.promote();
    await expect.poll(() => runs).toEqual([{ turnId: job.turnId, context: { lost: expect.any(AbortSignal), firstAttempt: false, generation: 2 } }]);
    await queue.close();
    await queueConnection.quit();
  });

  it('keeps a paused turn\'s keys and its user\'s slot alive for the wait, without taking back a released slot', async () => {
    const turnId = 'chatcmpl-paused1';
    for (const key of [keys.turnMeta(turnId), keys.turnLog(turnId), keys.turnSeq(turnId), keys.turnToolResults(turnId)]) await redis.client.set(key, 'x', 'EX', 10);
    const slotUntil = Date.now() + 500_000;
    await redis.client.zadd(keys.userActiveTurns('ann'), Date.now() + 10_000, turnId);
    await redis.client.pexpire(keys.userActiveTurns('ann'), 10_000);
    await consumer.pauses.holdFor({ userId: 'ann', turnId, keepSession: false }, 1000, slotUntil);
    for (const key of [keys.turnMeta(turnId), keys.turnLog(turnId), keys.turnSeq(turnId), keys.turnToolResults(turnId)]) expect(await redis.client.ttl(key)).toBeGreaterThan(990);
    expect(Number(await redis.client.zscore(keys.userActiveTurns('ann'), turnId))).toBe(slotUntil);
    expect(await redis.client.pttl(keys.userActiveTurns('ann'))).toBeGreaterThan(400_000);
    await consumer.pauses.holdFor({ userId: 'ann', turnId: 'chatcmpl-released', keepSession: false }, 1000, slotUntil);
    expect(await redis.client.zscore(keys.userActiveTurns('ann'), 'chatcmpl-released')).toBeNull();
  });

  it('keeps a paused turn\'s conversation claimed as long as its slot, without taking back a released claim', async () => {
    const turn = { userId: 'ann', turnId: 'chatcmpl-paused2', keepSession: true, conversationId: 'chat-1' };
    await redis.client.set(keys.conversationTurn('ann', 'chat-1'), turn.turnId, 'PX', 10_000);
    await consumer.pauses.holdFor(turn, 1000, Date.now() + 500_000);
    expect(await redis.client.pttl(keys.conversationTurn('ann', 'chat-1'))).toBeGreaterThan(400_000);
    await consumer.pauses.holdFor({ ...turn, conversationId: 'chat-2' }, 1000, Date.now() + 500_000);
    expect(await redis.client.exists(keys.conversationTurn('ann', 'chat-2'))).toBe(0);
  });

  it('remembers the tools a user approved for a conversation, for that user and conversation only', async () => {
    await consumer.conversationApprovals.remember('ann', 'conv-1', ['guarded/echo']);
    expect(await consumer.conversationApprovals.approved('ann', 'conv-1')).toEqual(new Set(['guarded/echo']));
    expect(await consumer.conversationApprovals.approved('ben', 'conv-1')).toEqual(new Set());
    expect(await consumer.conversationApprovals.approved('ann', 'conv-2')).toEqual(new Set());
    expect(await redis.client.ttl(keys.conversationApprovals('ann', 'conv-1'))).toBeGreaterThan(29 * 24 * 3600);
  });

  it('hands the runner its checkpoints, their messages parsed as Converse messages', async () => {
    const state = { round: 1, messages: [{ role: 'user' as const, content: [{ text: 'hi' }] }], usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, history: null, startedAt: 5 };
    await consumer.checkpoints.save('chatcmpl-ckpt', { ...state, status: 'running' });
    expect(await consumer.checkpoints.load('chatcmpl-ckpt')).toMatchObject({ version: 1, status: 'running', ...state });
    await redis.client.set(keys.turnCheckpoint('chatcmpl-ckpt'), JSON.stringify({ version: 1, status: 'running', ...state, messages: [{ role: 'robot' }], updatedAt: 1 }));
    expect(await consumer.checkpoints.load('chatcmpl-ckpt')).toBeUndefined();
  });

  it('start() runs once; close() is idempotent and closes the subscriber it was given', async () => {
    await consumer.start(async () => 'end_turn');
    await expect(consumer.start(async () => 'end_turn')).rejects.toThrow(/already started/);
    const closing = consumer.close();
    expect(consumer.close()).toBe(closing);
    await closing;
    await expect.poll(() => subscriber.status).toBe('end');
    expect(bull.status).toBe('ready');
  });
});
