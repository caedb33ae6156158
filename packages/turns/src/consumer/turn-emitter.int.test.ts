import { createLogger } from '@bedrock-mcp/common';
import { TurnEventLog } from '../events/turn-event-log.js';
import { createTurnKeys } from '../turn-keys.js';
import type { StreamEventDraft } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TurnEmitter } from './turn-emitter.js';

/** The real log, recording how many events each append carried, and whether it was urgent. */
class RecordingLog extends TurnEventLog {
  readonly batches: string[][] = [];
  readonly urgency: boolean[] = [];
  override appendAll(turnId: string, drafts: readonly StreamEventDraft[], options: { urgent?: boolean } = {}): Promise<void> {
    this.batches.push(drafts.map((draft) => (draft.type === 'text_delta' ? draft.text : draft.type)));
    this.urgency.push(options.urgent === true);
    return super.appendAll(turnId, drafts, options);
  }
}

describe('TurnEmitter', () => {
  const turnId = 'chatcmpl-emitter01';
  let redis: TestRedis;
  let log: RecordingLog;
  let emitter: TurnEmitter;

  beforeEach(async () => {
    redis = await startTestRedis('turn-emitter');
    log = new RecordingLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 100, ttlSeconds: 60 });
    emitter = new TurnEmitter(log, turnId, createLogger({ service: 'test', level: 'silent' }));
  });
  afterEach(() => redis.close());

  const logged = async () => (await log.readAfter(turnId, 0)).map((event) => `${event.seq}:${event.type === 'text_delta' ? event.text : event.type}`);

  it("marks urgent the append that carries a round's first output, and only that one", async () => {
    void emitter.emit({ type: 'round_start', round: 1 });
    await emitter.emit({ type: 'text_delta', text: 'a' }, { urgent: true });
    await emitter.emit({ type: 'text_delta', text: 'b' });
    expect(log.batches).toEqual([['round_start', 'a'], ['b']]);
    expect(log.urgency).toEqual([true, false]);
    expect(await logged()).toEqual(['1:round_start', '2:a', '3:b']);
  });

  it('sends the events of one tick as one append, and those emitted while it is in flight as the next, in emit order', async () => {
    void emitter.emit({ type: 'round_start', round: 1 });
    const first = emitter.emit({ type: 'text_delta', text: 'a' });
    await new Promise((resolve) => setImmediate(resolve));
    const second = emitter.emit({ type: 'text_delta', text: 'b' });
    void emitter.emit({ type: 'text_delta', text: 'c' });
    await first;
    await second;
    await emitter.flush();
    expect(log.batches).toEqual([['round_start', 'a'], ['b', 'c']]);
    expect(await logged()).toEqual(['1:round_start', '2:a', '3:b', '4:c']);
  });

  it('holds a `withNext` event for the next one, sends it alone if none comes within 20 ms, and at once on flush()', async () => {
    void emitter.emit({ type: 'start', model: 'm', userId: 'u' }, { withNext: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    void emitter.emit({ type: 'round_start', round: 1 });
    await emitter.flush();
    expect(log.batches).toEqual([['start', 'round_start']]);
    // The held event keeps the time it happened, not the time it went out.
    const [start, roundStart] = await log.readAfter(turnId, 0);
    expect(roundStart!.ts - start!.ts).toBeGreaterThanOrEqual(4);

    const alone = emitter.emit({ type: 'text_delta', text: 'held' }, { withNext: true });
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.batches).toHaveLength(1);
    const started = performance.now();
    await alone;
    expect(performance.now() - started).toBeLessThan(200);
    expect(log.batches).toEqual([['start', 'round_start'], ['held']]);

    void emitter.emit({ type: 'text_delta', text: 'flushed' }, { withNext: true });
    await emitter.flush();
    expect(await logged()).toEqual(['1:start', '2:round_start', '3:held', '4:flushed']);
  });

  it('flush() rethrows the first failed append (from then on); later events still go out', async () => {
    await redis.client.set(createTurnKeys(redis.prefix).turnSeq(turnId), 'not a number');
    void emitter.emit({ type: 'text_delta', text: 'lost' });
    await expect(emitter.flush()).rejects.toThrow(/not an integer/);
    await redis.client.del(createTurnKeys(redis.prefix).turnSeq(turnId));
    void emitter.emit({ type: 'text_delta', text: 'kept' });
    await expect(emitter.flush()).rejects.toThrow(/not an integer/);
    expect(await logged()).toEqual(['1:kept']);
  });
});
