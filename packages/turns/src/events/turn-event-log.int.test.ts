import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTurnKeys } from '../turn-keys.js';
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

  it('continues the numbering for a second writer (a worker taking over)', async () => {
    await log.append({ turnId, type: 'round_start', round: 1 });
    const other = new TurnEventLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 5, ttlSeconds: 60 });
    expect((await other.append({ turnId, type: 'round_start', round: 2 })).seq).toBe(2);
  });

  it('appends a batch in one call: consecutive seqs after earlier events, each published in order, log still capped', async () => {
    const subscriber = new Redis(redis.url);
    const received: string[] = [];
    await subscriber.subscribe(createTurnKeys(redis.prefix).turnChannel(turnId));
    subscriber.on('message', (_channel, message) => received.push(`${parseLoggedEvent(message).seq}:${message.includes('"text":"b') ? 'b' : 'a'}`));

    await log.append({ turnId, type: 'text_delta', text: 'a0' });
    const batch = await log.appendMany(turnId, ['b1', 'b2', 'b3', 'b4', 'b5'].map((text) => ({ turnId, type: 'text_delta' as const, text })));
    expect(batch.map((event) => event.seq)).toEqual([2, 3, 4, 5, 6]);
    await expect.poll(() => received.length).toBe(6);
    expect(received).toEqual(['1:a', '2:b', '3:b', '4:b', '5:b', '6:b']);
    expect((await log.readAfter(turnId, 0)).map((event) => event.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(await log.readAfter(turnId, 0)).toEqual(batch);
    expect(await log.appendMany(turnId, [])).toEqual([]);
    expect(await log.lastSeq(turnId)).toBe(6);
    subscriber.disconnect();
  });
});
