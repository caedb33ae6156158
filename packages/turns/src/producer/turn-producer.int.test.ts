import { createLogger, createRedisKeys } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME } from '@bedrock-mcp/contracts';
import { redisReplyFromAnotherProcess, startTestRedis, testChatJob, type TestRedis } from '@bedrock-mcp/test-support';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TurnEventLog } from '../events/turn-event-log.js';
import { TurnEvents } from '../events/turn-events.js';
import { TurnAsks } from '../asks/turn-asks.js';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
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

/** A per-user limit of `limit` turns in one window. */
function gate(limit: number): TurnRateGate<Decision> {
  return { limit, window: () => ({ windowStart: 0, ttlMs: 60_000 }), decide: (_window, count) => ({ allowed: count <= limit, count }) };
}

describe('TurnProducer.submit', () => {
  it("counts the turn, takes a slot, records the owner and the hub's channel, and enqueues the job (id = turn id)", async () => {
    const job = testChatJob();
    const outcome = await producer.submit({ job, maxConcurrentTurns: 2, rate: gate(5) });
    expect(outcome).toMatchObject({ kind: 'enqueued', decision: { allowed: true, count: 1 } });
    expect(await redis.client.get(keys.userRateLimit(job.userId, 0))).toBe('1');
    expect((await queue.getJob(job.turnId))?.data).toEqual(job);
    expect(await producer.meta(job.turnId)).toEqual({ userId: job.userId, model: job.model, status: 'queued', createdAt: job.createdAt });
    expect(await redis.client.ttl(keys.turnMeta(job.turnId))).toBeGreaterThan(100);
    expect(await redis.client.zscore(keys.userActiveTurns(job.userId), job.turnId)).not.toBeNull();

    expect(await redis.client.hget(keys.turnMeta(job.turnId), 'homeChannel')).toBe(events.homeChannel);

    // The hub's channel was subscribed before the enqueue, and none of the turn's own: an event
    // published now arrives live (well before the hub's resync reads the log) on the returned stream.
    if (outcome.kind !== 'enqueued') throw new Error('not enqueued');
    expect(await redis.client.pubsub('NUMSUB', keys.turnChannel(job.turnId))).toEqual([keys.turnChannel(job.turnId), 0]);
    const log = new TurnEventLog(redis.client, keys, { maxEvents: 10, ttlSeconds: 60 });
    const startedAt = Date.now();
    await log.append({ turnId: job.turnId, type: 'done', finishReason: 'end_turn' });
    expect((await outcome.stream.nextBatch())?.map((event) => event.type)).toEqual(['done']);
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(await outcome.stream.nextBatch()).toBeUndefined();
  });

  it('refuses a user holding every slot, leaving no meta and no job', async () => {
    const first = testChatJob();
    const second = testChatJob({ userId: first.userId });
    expect((await producer.submit({ job: first, maxConcurrentTurns: 1, rate: gate(5) })).kind).toBe('enqueued');
    expect(await producer.submit({ job: second, maxConcurrentTurns: 1, rate: gate(5) })).toEqual({ kind: 'busy', held: 1, decision: { allowed: true, count: 2 } });
    expect(await producer.meta(second.turnId)).toBeUndefined();
    expect(await queue.getJob(second.turnId)).toBeUndefined();
    expect(await redis.client.zcard(keys.userActiveTurns(first.userId))).toBe(1);
  });

  it('refuses a second turn in a conversation while one runs there (naming it), taking nothing; the reader sees the running turn', async () => {
    const first = testChatJob({ conversationId: 'chat-1', keepSession: true });
    const second = testChatJob({ userId: first.userId, conversationId: 'chat-1', keepSession: true });
    const elsewhere = testChatJob({ userId: first.userId, conversationId: 'chat-2', keepSession: true });
    expect((await producer.submit({ job: first, maxConcurrentTurns: 5, rate: gate(5) })).kind).toBe('enqueued');
    expect(await producer.submit({ job: second, maxConcurrentTurns: 5, rate: gate(5) })).toEqual({ kind: 'conversation_busy', runningTurnId: first.turnId, decision: { allowed: true, count: 2 } });
    expect(await producer.meta(second.turnId)).toBeUndefined();
    expect(await queue.getJob(second.turnId)).toBeUndefined();
    expect(await producer.activeTurnOf(first.userId, 'chat-1')).toBe(first.turnId);
    expect((await producer.submit({ job: elsewhere, maxConcurrentTurns: 5, rate: gate(5) })).kind).toBe('enqueued');
    expect(await redis.client.zcard(keys.userActiveTurns(first.userId))).toBe(2);
  });

  it('over the rate limit claims no conversation', async () => {
    const job = testChatJob({ conversationId: 'chat-1', keepSession: true });
    expect(await producer.submit({ job, maxConcurrentTurns: 5, rate: gate(0) })).toMatchObject({ kind: 'rate_limited' });
    expect(await producer.activeTurnOf(job.userId, 'chat-1')).toBeNull();
  });

  it('forgets the tools approved for one conversation only', async () => {
    await redis.client.sadd(keys.conversationApprovals('ann', 'chat-1'), 'srv/tool');
    await redis.client.sadd(keys.conversationApprovals('ann', 'chat-2'), 'srv/tool');
    await producer.forgetConversationApprovals('ann', 'chat-1');
    expect(await redis.client.exists(keys.conversationApprovals('ann', 'chat-1'))).toBe(0);
    expect(await redis.client.exists(keys.conversationApprovals('ann', 'chat-2'))).toBe(1);
  });

  it('over the limit: never queues the turn, and leaves no meta, slot or stop flag', async () => {
    const rate = gate(1);
    const userId = 'over';
    expect((await producer.submit({ job: testChatJob({ userId }), maxConcurrentTurns: 5, rate })).kind).toBe('enqueued');
    const job = testChatJob({ userId });
    expect(await producer.submit({ job, maxConcurrentTurns: 5, rate })).toEqual({ kind: 'rate_limited', decision: { allowed: false, count: 2 } });
    expect(await queue.getJob(job.turnId)).toBeUndefined();
    expect(await redis.client.exists(keys.turnCancel(job.turnId))).toBe(0);
    expect(await producer.meta(job.turnId)).toBeUndefined();
    expect(await redis.client.zscore(keys.userActiveTurns(userId), job.turnId)).toBeNull();
    expect(await redis.client.zcard(keys.userActiveTurns(userId))).toBe(1);
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

describe('TurnProducer.start', () => {
  const opening = (job: ReturnType<typeof testChatJob>) => ({ turnId: job.turnId, userId: job.userId, model: job.model, createdAt: job.createdAt, keepSession: true, conversationId: 'conv-1' });

  it('sends the admission before the job exists, and enqueues the job once it is given', async () => {
    const job = testChatJob({ keepSession: true, conversationId: 'conv-1' });
    const started = producer.start(opening(job), { maxConcurrentTurns: 2, rate: gate(5) });
    expect(started).toMatchObject({ turnId: job.turnId, createdAt: job.createdAt });
    // Taken before any job: the slot, the conversation's claim, the meta.
    await expect.poll(() => redis.client.zscore(keys.userActiveTurns(job.userId), job.turnId)).not.toBeNull();
    expect(await redis.client.get(keys.conversationTurn(job.userId, 'conv-1'))).toBe(job.turnId);
    await expect.poll(() => producer.meta(job.turnId)).toMatchObject({ userId: job.userId, status: 'queued' });
    expect(await queue.getJob(job.turnId)).toBeUndefined();
    expect(await started.enqueue(job)).toMatchObject({ kind: 'enqueued', decision: { allowed: true, count: 1 } });
    expect((await queue.getJob(job.turnId))?.data).toEqual(job);
    // Handed over: giving it up now changes nothing.
    expect(await started.abandon()).toBeUndefined();
    expect(await redis.client.zscore(keys.userActiveTurns(job.userId), job.turnId)).not.toBeNull();
  });

  it('a quiet producer writes the admission at once; one reading other turns lets it join the next batched write', async () => {
    // Auto-pipelined, as the gateway's connection is.
    const shared = redis.client.duplicate({ enableAutoPipelining: true });
    const own = new TurnProducer({ redis: shared, prefix: redis.prefix, events, logger, metaTtlSeconds: 120, slotTtlMs: 60_000 });
    /** The turn's slot as another process sees it now, while this one's event loop is held. */
    const slotSeenElsewhere = (job: ReturnType<typeof testChatJob>) => redisReplyFromAnotherProcess(redis.url, 'ZSCORE', keys.userActiveTurns(job.userId), job.turnId);
    // A turn submitted and read to its end first: the connections are up and the script is loaded.
    const first = await own.submit({ job: testChatJob(), maxConcurrentTurns: 5, rate: gate(5) });
    if (first.kind !== 'enqueued') throw new Error('not enqueued');
    first.stream.close();
    const quiet = testChatJob();
    const quietStart = own.start(quiet, { maxConcurrentTurns: 5, rate: gate(5) });
    expect(slotSeenElsewhere(quiet)).not.toBe('null');
    expect((await quietStart.enqueue(quiet)).kind).toBe('enqueued');

    // The quiet turn's stream is open: the hub reads a turn now.
    const busy = testChatJob();
    const busyStart = own.start(busy, { maxConcurrentTurns: 5, rate: gate(5) });
    expect(slotSeenElsewhere(busy)).toBe('null');
    expect((await busyStart.enqueue(busy)).kind).toBe('enqueued');
    expect(await redis.client.zscore(keys.userActiveTurns(busy.userId), busy.turnId)).not.toBeNull();
    await own.close();
    await shared.quit();
  });

  it('abandon frees the slot, the claim and the meta, closes the stream, reports the count, and is idempotent', async () => {
    const job = testChatJob({ keepSession: true, conversationId: 'conv-1' });
    const started = producer.start(opening(job), { maxConcurrentTurns: 2, rate: gate(5) });
    const abandoned = started.abandon();
    expect(started.abandon()).toBe(abandoned);
    expect(await abandoned).toEqual({ allowed: true, count: 1 });
    expect(await redis.client.zcard(keys.userActiveTurns(job.userId))).toBe(0);
    expect(await redis.client.exists(keys.conversationTurn(job.userId, 'conv-1'))).toBe(0);
    expect(await producer.meta(job.turnId)).toBeUndefined();
    expect(events.openTurns).toBe(0);
    await expect(started.enqueue(job)).rejects.toThrow('was given up');
    expect(await queue.getJob(job.turnId)).toBeUndefined();
    // The user's next turn is admitted.
    expect((await producer.submit({ job: testChatJob({ userId: job.userId }), maxConcurrentTurns: 1, rate: gate(5) })).kind).toBe('enqueued');
  });

  it('abandon over the rate limit takes nothing and says so; a refused turn leaves the running one its slot and claim', async () => {
    const running = testChatJob({ keepSession: true, conversationId: 'conv-1' });
    expect((await producer.submit({ job: running, maxConcurrentTurns: 5, rate: gate(5) })).kind).toBe('enqueued');
    const busy = testChatJob({ userId: running.userId, keepSession: true, conversationId: 'conv-1' });
    expect(await producer.start(opening(busy), { maxConcurrentTurns: 5, rate: gate(5) }).abandon()).toEqual({ allowed: true, count: 2 });
    expect(await producer.start(opening(testChatJob({ userId: running.userId })), { maxConcurrentTurns: 5, rate: gate(1) }).abandon()).toEqual({ allowed: false, count: 3 });
    expect(await redis.client.zrange(keys.userActiveTurns(running.userId), '0', '-1')).toEqual([running.turnId]);
    expect(await redis.client.get(keys.conversationTurn(running.userId, 'conv-1'))).toBe(running.turnId);
  });

  it("refuses a job that is not the started turn's, giving the turn up", async () => {
    const job = testChatJob({ keepSession: true, conversationId: 'conv-1' });
    const started = producer.start(opening(job), { maxConcurrentTurns: 2, rate: gate(5) });
    await expect(started.enqueue({ ...job, conversationId: 'conv-2' })).rejects.toThrow(`not turn ${job.turnId}'s`);
    expect(await redis.client.zcard(keys.userActiveTurns(job.userId))).toBe(0);
    expect(await producer.meta(job.turnId)).toBeUndefined();
    expect(await queue.getJob(job.turnId)).toBeUndefined();
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
