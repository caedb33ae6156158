import { createLogger } from '@bedrock-mcp/common';
import type { StreamEvent, StreamEventDraft } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTurnKeys, type TurnKeys } from '../turn-keys.js';
import { TurnStreamTimeoutError, type TurnEventStream } from './turn-event-stream.js';
import { loggedJsonOf } from './logged-event-json.js';
import { TurnEventLog } from './turn-event-log.js';
import { TurnEvents } from './turn-events.js';

let testRedis: TestRedis;
let keys: TurnKeys;
let log: TurnEventLog;
let hub: TurnEvents;
let turnCounter = 0;
const logger = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  testRedis = await startTestRedis('gw-events');
  keys = createTurnKeys(testRedis.prefix);
  log = new TurnEventLog(testRedis.client, keys, { maxEvents: 100, ttlSeconds: 60 });
  hub = new TurnEvents({ subscriber: testRedis.client.duplicate(), redis: testRedis.client, prefix: testRedis.prefix, logger, maxBufferedEvents: 5, idleTimeoutMs: 10_000 });
});
afterAll(async () => {
  await hub.close();
  await testRedis.close();
});

const newTurn = () => `chatcmpl-evtest${String(++turnCounter).padStart(4, '0')}`;
const text = (turnId: string, value: string): StreamEventDraft => ({ turnId, type: 'text_delta', text: value });
const done = (turnId: string): StreamEventDraft => ({ turnId, type: 'done', finishReason: 'end_turn' });

async function collect(stream: TurnEventStream): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for (let batch = await stream.nextBatch(); batch; batch = await stream.nextBatch()) events.push(...batch);
  return events;
}

describe('TurnEvents (the hub)', () => {
  it('delivers a fresh turn live, in order, ending with done', async () => {
    const turnId = newTurn();
    const stream = await hub.open(turnId, { fresh: true });
    const reading = collect(stream);
    for (const value of ['a', 'b', 'c']) await log.append(text(turnId, value));
    await log.append(done(turnId));
    const events = await reading;
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    expect(events.at(-1)?.type).toBe('done');
  });

  it('replays the log and then the live rest without gaps or duplicates', async () => {
    const turnId = newTurn();
    for (const value of ['a', 'b']) await log.append(text(turnId, value));
    const stream = await hub.open(turnId);
    const reading = collect(stream);
    await log.append(text(turnId, 'c'));
    await log.append(done(turnId));
    expect((await reading).map((event) => event.seq)).toEqual([1, 2, 3, 4]);
  });

  it('resumes after a seq, and ends at once for a finished turn resumed after its end', async () => {
    const turnId = newTurn();
    for (const value of ['a', 'b', 'c']) await log.append(text(turnId, value));
    await log.append(done(turnId));
    expect((await collect(await hub.open(turnId, { afterSeq: 2 }))).map((event) => event.seq)).toEqual([3, 4]);
    expect(await collect(await hub.open(turnId, { afterSeq: 4 }))).toEqual([]);
  });

  it('bounds what a slow reader buffers and fills the gap from the log', async () => {
    const turnId = newTurn();
    const stream = await hub.open(turnId, { fresh: true });
    for (let i = 0; i < 40; i++) await log.append(text(turnId, String(i)));
    await log.append(done(turnId));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((stream as unknown as { live: unknown[] }).live.length).toBeLessThanOrEqual(5);
    const events = await collect(stream);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });

  it('serves two readers of one turn; closing one leaves the other and then unsubscribes', async () => {
    const turnId = newTurn();
    const first = await hub.open(turnId, { fresh: true });
    const second = await hub.open(turnId, { fresh: true });
    await log.append(text(turnId, 'a'));
    expect((await first.nextBatch())?.map((event) => event.seq)).toEqual([1]);
    first.close();
    const reading = collect(second);
    await log.append(done(turnId));
    expect((await reading).map((event) => event.seq)).toEqual([1, 2]);
    await vi.waitFor(async () => {
      const [, subscribers] = (await testRedis.client.pubsub('NUMSUB', keys.turnChannel(turnId))) as [string, number];
      expect(subscribers).toBe(0);
    });
  });

  it('gives up with a timeout when a turn goes silent', async () => {
    const quick = new TurnEvents({ subscriber: testRedis.client.duplicate(), redis: testRedis.client, prefix: testRedis.prefix, logger, idleTimeoutMs: 200, resyncIntervalMs: 50 });
    try {
      const stream = await quick.open(newTurn(), { fresh: true });
      await expect(collect(stream)).rejects.toBeInstanceOf(TurnStreamTimeoutError);
    } finally {
      await quick.close();
    }
  });

  it('keeps a turn that speaks more often than its idle timeout open, and times it out that long after it fell silent', async () => {
    const quick = new TurnEvents({ subscriber: testRedis.client.duplicate(), redis: testRedis.client, prefix: testRedis.prefix, logger, idleTimeoutMs: 300, resyncIntervalMs: 100 });
    try {
      const turnId = newTurn();
      const stream = await quick.open(turnId, { fresh: true });
      const seqs: number[] = [];
      const reading = (async () => {
        for (let batch = await stream.nextBatch(); batch; batch = await stream.nextBatch()) seqs.push(...batch.map((event) => event.seq));
      })();
      for (let i = 0; i < 12; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await log.append(text(turnId, String(i)));
      }
      const silentFrom = Date.now();
      await expect(reading).rejects.toBeInstanceOf(TurnStreamTimeoutError);
      expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(250);
    } finally {
      await quick.close();
    }
  });

  it('hands out each event with the JSON it was logged as, to forward without encoding it again', async () => {
    const turnId = newTurn();
    const stream = await hub.open(turnId, { fresh: true });
    const reading = collect(stream);
    await log.appendMany(turnId, [
      text(turnId, 'héllo "quoted" \n 😀'),
      { turnId, type: 'tool_call', toolUseId: 't1', name: 'everything__echo', input: { message: 'hi', nested: { list: [] } } },
      done(turnId),
    ]);
    const events = await reading;
    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(loggedJsonOf(event)).toBe(JSON.stringify(event));
      expect(loggedJsonOf({ ...event })).toBeUndefined();
    }
  });

  it('drops a published message that is not a turn event and goes on with the turn', async () => {
    const turnId = newTurn();
    const stream = await hub.open(turnId, { fresh: true });
    const reading = collect(stream);
    await testRedis.client.publish(keys.turnChannel(turnId), 'not json');
    await testRedis.client.publish(keys.turnChannel(turnId), '{"type":"text_delta"}');
    await log.append(text(turnId, 'a'));
    await log.append(done(turnId));
    expect((await reading).map((event) => event.seq)).toEqual([1, 2]);
  });

  it('takes every line of a published batch in order, dropping only a line that is not a turn event', async () => {
    const turnId = newTurn();
    const stream = await hub.open(turnId, { fresh: true });
    const reading = collect(stream);
    const first = JSON.stringify({ seq: 1, turnId, type: 'text_delta', text: 'a', ts: 1 });
    const last = JSON.stringify({ seq: 2, turnId, type: 'done', finishReason: 'end_turn', ts: 2 });
    await testRedis.client.publish(keys.turnChannel(turnId), [first, 'not json', last].join('\n'));
    expect((await reading).map((event) => [event.seq, event.type])).toEqual([
      [1, 'text_delta'],
      [2, 'done'],
    ]);
  });

  it('reads in batches: the events of one append come as one batch, and a reader then waits for the next', async () => {
    const turnId = newTurn();
    const stream = await hub.open(turnId, { fresh: true });
    const firstRead = stream.nextBatch();
    await log.appendMany(turnId, [text(turnId, 'a'), text(turnId, 'b'), text(turnId, 'c')]);
    expect((await firstRead)?.map((event) => event.seq)).toEqual([1, 2, 3]);
    const secondRead = stream.nextBatch();
    await log.append(text(turnId, 'd'));
    // Read before the next append: a batch is every event ready when the reader runs, so a later
    // append that arrived meanwhile would rightly join it.
    expect((await secondRead)?.map((event) => event.seq)).toEqual([4]);
    await log.appendMany(turnId, [text(turnId, 'e'), done(turnId)]);
    expect((await stream.nextBatch())?.map((event) => event.seq)).toEqual([5, 6]);
    expect(await stream.nextBatch()).toBeUndefined();
  });

  it('ends a batch at a gap in live events and fills the gap from the log before going on', async () => {
    const turnId = newTurn();
    for (const value of ['a', 'b', 'c']) await log.append(text(turnId, value));
    const stream = await hub.open(turnId, { afterSeq: 3, fresh: true });
    // Seqs 4 and 5 reach the log only: the stream hears of 6 first, sees the gap and reads the log.
    await testRedis.client.rpush(keys.turnLog(turnId), JSON.stringify({ seq: 4, turnId, type: 'text_delta', text: 'd', ts: 4 }), JSON.stringify({ seq: 5, turnId, type: 'text_delta', text: 'e', ts: 5 }));
    const six = JSON.stringify({ seq: 6, turnId, type: 'text_delta', text: 'f', ts: 6 });
    await testRedis.client.rpush(keys.turnLog(turnId), six);
    await testRedis.client.publish(keys.turnChannel(turnId), six);
    const seqs: number[] = [];
    while (seqs.length < 3) seqs.push(...((await stream.nextBatch()) ?? []).map((event) => event.seq));
    expect(seqs).toEqual([4, 5, 6]);
    stream.close();
  });

  it('gives a reader that closed its stream nothing more', async () => {
    const turnId = newTurn();
    const stream = await hub.open(turnId, { fresh: true });
    const firstRead = stream.nextBatch();
    await log.append(text(turnId, 'a'));
    expect((await firstRead)?.map((event) => event.seq)).toEqual([1]);
    stream.close();
    await log.appendMany(turnId, [text(turnId, 'b'), done(turnId)]);
    expect(await stream.nextBatch()).toBeUndefined();
  });

  it('batches the SUBSCRIBEs of many turns opened together, and re-subscribes a channel reopened while leaving', async () => {
    const turnIds = Array.from({ length: 50 }, newTurn);
    const streams = await Promise.all(turnIds.map((turnId) => hub.open(turnId, { fresh: true })));
    for (const turnId of turnIds) await log.append(done(turnId));
    for (const stream of streams) expect((await collect(stream)).map((event) => event.type)).toEqual(['done']);

    const turnId = newTurn();
    (await hub.open(turnId, { fresh: true })).close();
    const again = await hub.open(turnId, { fresh: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reading = collect(again);
    await log.append(done(turnId));
    expect((await reading).map((event) => event.seq)).toEqual([1]);
  });

  describe('the hub channel (turns this hub submitted)', () => {
    /** What the producer writes: the turn's meta naming this hub's channel. */
    const submittedHere = async (turnId: string) => testRedis.client.hset(keys.turnMeta(turnId), { userId: 'u1', homeChannel: hub.homeChannel });
    const subscribersOf = async (channel: string) => ((await testRedis.client.pubsub('NUMSUB', channel)) as [string, number])[1];
    /** Live, not from a log read: well within the hub's resync interval and idle timeout (10 s). */
    const live = <T>(reading: Promise<T>) => Promise.race([reading, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not delivered live')), 2000))]);

    it('delivers a turn whose meta names the hub with no SUBSCRIBE of its own, every event once', async () => {
      const turnId = newTurn();
      await submittedHere(turnId);
      const stream = await hub.open(turnId, { fresh: true, viaHome: true });
      const reading = collect(stream);
      expect(await subscribersOf(keys.turnChannel(turnId))).toBe(0);
      expect(await subscribersOf(hub.homeChannel)).toBe(1);
      await log.appendMany(turnId, [text(turnId, 'a'), text(turnId, 'b')]);
      await log.append(done(turnId));
      expect((await live(reading)).map((event) => [event.seq, event.type])).toEqual([
        [1, 'text_delta'],
        [2, 'text_delta'],
        [3, 'done'],
      ]);
    });

    it('gets nothing for a turn whose meta names no hub (it then reads the log when it resyncs)', async () => {
      const quick = new TurnEvents({ subscriber: testRedis.client.duplicate(), redis: testRedis.client, prefix: testRedis.prefix, logger, idleTimeoutMs: 5000, resyncIntervalMs: 300 });
      try {
        const turnId = newTurn();
        const stream = await quick.open(turnId, { fresh: true, viaHome: true });
        const firstRead = stream.nextBatch();
        const startedAt = Date.now();
        await log.append(done(turnId));
        expect((await firstRead)?.map((event) => event.type)).toEqual(['done']);
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
      } finally {
        await quick.close();
      }
    });

    it('serves a resumer of the same turn on its own subscription, each reader every event once, and unsubscribes it after', async () => {
      const turnId = newTurn();
      await submittedHere(turnId);
      const submitted = await hub.open(turnId, { fresh: true, viaHome: true });
      await log.append(text(turnId, 'a'));
      const resumed = await hub.open(turnId, { afterSeq: 0 });
      expect(await subscribersOf(keys.turnChannel(turnId))).toBe(1);
      const readings = [collect(submitted), collect(resumed)];
      await log.append(text(turnId, 'b'));
      await log.append(done(turnId));
      for (const events of await live(Promise.all(readings))) expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
      await vi.waitFor(async () => expect(await subscribersOf(keys.turnChannel(turnId))).toBe(0));
    });

    it("does not hand one hub's turns to another hub's readers of other turns, nor to a hub that did not submit them", async () => {
      const other = new TurnEvents({ subscriber: testRedis.client.duplicate(), redis: testRedis.client, prefix: testRedis.prefix, logger, idleTimeoutMs: 5000 });
      try {
        expect(other.homeChannel).not.toBe(hub.homeChannel);
        const turnId = newTurn();
        await submittedHere(turnId);
        const mine = await hub.open(turnId, { fresh: true, viaHome: true });
        const theirs = await other.open(turnId, { fresh: true, viaHome: true });
        const theirRead = theirs.nextBatch();
        await log.append(done(turnId));
        expect((await live(collect(mine))).map((event) => event.type)).toEqual(['done']);
        const raced = await Promise.race([theirRead.then(() => 'delivered'), new Promise((resolve) => setTimeout(() => resolve('nothing'), 200))]);
        expect(raced).toBe('nothing');
        theirs.close();
      } finally {
        await other.close();
      }
    });

    it('drops a hub message that names no turn or carries no event, and goes on with the turn', async () => {
      const turnId = newTurn();
      await submittedHere(turnId);
      const stream = await hub.open(turnId, { fresh: true, viaHome: true });
      const reading = collect(stream);
      await testRedis.client.publish(hub.homeChannel, 'no newline here');
      await testRedis.client.publish(hub.homeChannel, `${keys.turnChannel(turnId)}\nnot json`);
      await testRedis.client.publish(hub.homeChannel, `${keys.turnChannel('chatcmpl-nobody')}\n${JSON.stringify({ seq: 1, type: 'done' })}`);
      await log.append(text(turnId, 'a'));
      await log.append(done(turnId));
      expect((await live(reading)).map((event) => event.seq)).toEqual([1, 2]);
    });
  });
});
