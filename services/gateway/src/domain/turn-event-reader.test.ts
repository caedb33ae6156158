import type { StreamEvent, TurnAsk } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { EventsAfterAsks, type TurnEventReader } from './turn-event-reader.js';

const turnId = 'chatcmpl-readertest';
const ask = (id: string): TurnAsk => ({ kind: 'approval', id, toolUseId: `use-${id}`, name: 's__echo', serverId: 's', toolName: 'echo', input: {}, reason: 'r' });
const request = (seq: number, ...ids: string[]): StreamEvent => ({ turnId, seq, ts: seq, type: 'approval_request', asks: ids.map(ask), expiresAt: 1e13 });
const answer = (seq: number, askId: string): StreamEvent => ({ turnId, seq, ts: seq, type: 'approval_answer', askId, outcome: 'approved' });
const text = (seq: number): StreamEvent => ({ turnId, seq, ts: seq, type: 'text_delta', text: String(seq) });

/** A reader handing out the given batches, one per call. */
function batchesOf(...batches: StreamEvent[][]): TurnEventReader {
  return { turnId, turnEnded: false, next: () => Promise.resolve(batches.shift()), close: () => undefined };
}

async function readAll(reader: TurnEventReader): Promise<number[][]> {
  const read: number[][] = [];
  for (let batch = await reader.next(); batch; batch = await reader.next()) read.push(batch.map((event) => event.seq));
  return read;
}

describe('EventsAfterAsks', () => {
  it('primes the events up to the answered request and reads the rest of its batch, then the next batches whole', async () => {
    const primed: number[] = [];
    const reader = new EventsAfterAsks(batchesOf([text(1), request(2, 'a1')], [text(3)], [request(4, 'b1'), answer(5, 'b1'), text(6)], [text(7)]), new Set(['b1']), (event) => primed.push(event.seq));
    expect(await readAll(reader)).toEqual([[5, 6], [7]]);
    expect(primed).toEqual([1, 2, 3, 4]);
  });

  it('reads nothing past the answered request when the batch ends with it', async () => {
    const primed: number[] = [];
    const reader = new EventsAfterAsks(batchesOf([text(1), request(2, 'a1')], [text(3)]), new Set(['a1']), (event) => primed.push(event.seq));
    expect(await readAll(reader)).toEqual([[3]]);
    expect(primed).toEqual([1, 2]);
  });

  it('reads only the still pending asks of a request answered in part, and then nothing more', async () => {
    const reader = new EventsAfterAsks(batchesOf([request(1, 'a1', 'a2'), answer(2, 'a1'), text(3)], [text(4)]), new Set(['a1', 'a2']), () => undefined, new Set(['a2']));
    const paused = await reader.next();
    expect(paused?.map((event) => (event.type === 'approval_request' ? event.asks.map((pending) => pending.id) : event.type))).toEqual([['a2']]);
    expect(await reader.next()).toBeUndefined();
  });
});
