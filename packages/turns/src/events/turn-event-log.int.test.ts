import { redisReplyFromAnotherProcess, startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTurnKeys } from '../turn-keys.js';
import { splitPublishedEvents } from './logged-event-json.js';
import { parseLoggedEvent, TurnEventLog } from './turn-event-log.js';

describe('TurnEventLog', () => {
  let redis: TestRedis;
  let log: TurnEventLog;
  const turnId = 'chatcmpl-test0001';

  beforeEach(async () => {
    redis = await startTestRedis('turn-log');
    log = new TurnEventLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 5, ttlSeconds: 60 });
  });
  afterEach(() => redis.close());

  it('assigns increasing seqs, publishes each event and keeps a capped replay log', async () => {
    const subscriber = new Redis(redis.url);
    const received: number[] = [];
    await subscriber.subscribe(createTurnKeys(redis.prefix).turnChannel(turnId));
    subscriber.on('message', (_channel, message) => received.push(parseLoggedEvent(message).seq));

    const appended = [];
    for (let index = 0; index < 7; index++) appended.push(await log.append({ turnId, type: 'text_delta', text: `t${index}` }));
    expect(appended.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await expect.poll(() => received.length).toBe(7);
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const replay = await log.readAfter(turnId, 4);
    expect(replay.map((event) => event.seq)).toEqual([5, 6, 7]);
    expect((await log.readAfter(turnId, 0)).length).toBe(5);
    expect(await log.lastSeq(turnId)).toBe(7);
    expect(await redis.client.ttl(createTurnKeys(redis.prefix).turnLog(turnId))).toBeGreaterThan(0);
    subscriber.disconnect();
  });

  it('keeps JSON exactly as written, including empty arrays and unicode', async () => {
    const event = await log.append({ turnId, type: 'tool_result', toolUseId: 'u', name: 'n', content: [], isError: false, durationMs: 1.5 });
    await log.append({ turnId, type: 'text_delta', text: 'héllo "quoted" ✓' });
    const [first, second] = await log.readAfter(turnId, 0);
    expect(first).toEqual(event);
    expect(second).toMatchObject({ text: 'héllo "quoted" ✓', seq: 2 });
  });

  it('appendAll logs and publishes what appendMany would: its own ts kept, else the time of the append, last', async () => {
    const subscriber = new Redis(redis.url);
    const published: string[] = [];
    await subscriber.subscribe(createTurnKeys(redis.prefix).turnChannel(turnId));
    subscriber.on('message', (_channel, message) => published.push(...splitPublishedEvents(message)));

    const before = Date.now();
    await log.appendAll(turnId, [
      { turnId, type: 'start', model: 'm', userId: 'u', ts: 1_000 },
      { turnId, type: 'text_delta', text: 'a "b"\nc' },
    ]);
    await log.appendAll(turnId, []);
    const [start, text] = await log.readAfter(turnId, 0);
    expect(start).toEqual({ seq: 1, turnId, type: 'start', model: 'm', userId: 'u', ts: 1_000 });
    expect(text).toMatchObject({ seq: 2, turnId, type: 'text_delta', text: 'a "b"\nc' });
    expect(text!.ts).toBeGreaterThanOrEqual(before);
    expect(text!.ts).toBeLessThanOrEqual(Date.now());
    await expect.poll(() => published.length).toBe(2);
    expect(published[1]).toBe(`{"seq":2,"turnId":"${turnId}","type":"text_delta","text":"a \\"b\\"\\nc","ts":${text!.ts}}`);
    expect(published.map((json) => parseLoggedEvent(json))).toEqual([start, text]);
    expect(await log.appendMany(turnId, [{ turnId, type: 'round_start', round: 1 }])).toEqual(await log.readAfter(turnId, 2));
    subscriber.disconnect();
  });

  it('writes an urgent append at once on the direct connection while no other is in flight; any other waits for the batched write', async () => {
    // Auto-pipelined, as the worker's commands connection is.
    const shared = redis.client.duplicate({ enableAutoPipelining: true });
    const direct = redis.client.duplicate();
    const quick = new TurnEventLog(shared, createTurnKeys(redis.prefix), { maxEvents: 10, ttlSeconds: 60 }, direct);
    const logKey = createTurnKeys(redis.prefix).turnLog(turnId);
    /** The log's length as another process sees it now, while this one's event loop is held. */
    const loggedElsewhere = () => redisReplyFromAnotherProcess(redis.url, 'LLEN', logKey);
    const text = (value: string) => ({ turnId, type: 'text_delta' as const, text: value });
    // Connected, and the script loaded.
    await Promise.all([quick.appendAll(turnId, [text('0')]), direct.ping()]);

    const urgent = quick.appendAll(turnId, [text('1')], { urgent: true });
    expect(loggedElsewhere()).toBe('2');
    await urgent;
    const later = quick.appendAll(turnId, [text('2')]);
    expect(loggedElsewhere()).toBe('2');
    await later;
    const inFlight = quick.appendAll(turnId, [text('3')]);
    const urgentBehind = quick.appendAll(turnId, [text('4')], { urgent: true });
    expect(loggedElsewhere()).toBe('3');
    await Promise.all([inFlight, urgentBehind]);
    expect((await quick.readAfter(turnId, 0)).map((event) => event.type === 'text_delta' && event.text)).toEqual(['0', '1', '2', '3', '4']);
    shared.disconnect();
    direct.disconnect();
  });

  it('continues the numbering for a second writer (a worker taking over)', async () => {
    await log.append({ turnId, type: 'round_start', round: 1 });
    const other = new TurnEventLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 5, ttlSeconds: 60 });
    expect((await other.append({ turnId, type: 'round_start', round: 2 })).seq).toBe(2);
  });

  it('appends a batch in one call: consecutive seqs after earlier events, published in order as one message, log still capped', async () => {
    const subscriber = new Redis(redis.url);
    const messages: string[][] = [];
    await subscriber.subscribe(createTurnKeys(redis.prefix).turnChannel(turnId));
    subscriber.on('message', (_channel, message) => messages.push(splitPublishedEvents(message).map((json) => `${parseLoggedEvent(json).seq}:${json.includes('"text":"b') ? 'b' : 'a'}`)));

    await log.append({ turnId, type: 'text_delta', text: 'a0' });
    const batch = await log.appendMany(turnId, ['b1', 'b2', 'b3', 'b4', 'b5'].map((text) => ({ turnId, type: 'text_delta' as const, text })));
    expect(batch.map((event) => event.seq)).toEqual([2, 3, 4, 5, 6]);
    await expect.poll(() => messages.length).toBe(2);
    expect(messages).toEqual([['1:a'], ['2:b', '3:b', '4:b', '5:b', '6:b']]);
    expect((await log.readAfter(turnId, 0)).map((event) => event.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(await log.readAfter(turnId, 0)).toEqual(batch);
    expect(await log.appendMany(turnId, [])).toEqual([]);
    expect(await log.lastSeq(turnId)).toBe(6);
    subscriber.disconnect();
  });

  it('trims the log only past its cap, measured after the whole batch (pushed 1,000 at a time)', async () => {
    const capped = new TurnEventLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 1500, ttlSeconds: 60 });
    const drafts = (count: number, from: number) => Array.from({ length: count }, (_, index) => ({ turnId, type: 'text_delta' as const, text: `d${from + index}` }));
    await capped.appendMany(turnId, drafts(1500, 0));
    expect((await capped.readAfter(turnId, 0)).map((event) => event.seq)).toEqual(Array.from({ length: 1500 }, (_, index) => index + 1));
    await capped.appendMany(turnId, drafts(2500, 1500));
    const kept = await capped.readAfter(turnId, 0);
    expect(kept.map((event) => event.seq)).toEqual(Array.from({ length: 1500 }, (_, index) => index + 2501));
    expect(kept.at(-1)).toMatchObject({ seq: 4000, text: 'd3999' });
  });

  it('appends a batch larger than Lua can unpack into one RPUSH (8,000 values): every event logged and published, in order', async () => {
    const big = new TurnEventLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 10_000, ttlSeconds: 60 });
    const subscriber = new Redis(redis.url);
    const published: number[] = [];
    await subscriber.subscribe(createTurnKeys(redis.prefix).turnChannel(turnId));
    subscriber.on('message', (_channel, message) => published.push(...splitPublishedEvents(message).map((json) => parseLoggedEvent(json).seq)));

    const drafts = Array.from({ length: 8500 }, (_, index) => ({ turnId, type: 'text_delta' as const, text: `d${index}\nline` }));
    const appended = await big.appendMany(turnId, drafts);
    const seqs = Array.from({ length: 8500 }, (_, index) => index + 1);
    expect(appended.map((event) => event.seq)).toEqual(seqs);
    expect((await big.readAfter(turnId, 0)).map((event) => [event.seq, event.type === 'text_delta' && event.text])).toEqual(seqs.map((seq) => [seq, `d${seq - 1}\nline`]));
    await expect.poll(() => published.length).toBe(8500);
    expect(published).toEqual(seqs);
    subscriber.disconnect();
  });
});
