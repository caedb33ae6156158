import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../providers/model-errors.js';
import type { ModelProvider, ModelStreamEvent } from '../providers/model-provider.js';
import { runModelRound } from './model-round.js';
import type { TurnEmitter } from './turn-emitter.js';

function providerOf(events: ModelStreamEvent[]): ModelProvider {
  return {
    async *converseStream() {
      yield* events;
    },
  } as unknown as ModelProvider;
}
const emitter = { emit: async () => undefined } as unknown as TurnEmitter;
const request = {} as Parameters<typeof runModelRound>[1];

describe('runModelRound', () => {
  it('assembles the message and keeps the stop reason', async () => {
    const result = await runModelRound(
      providerOf([
        { type: 'text', index: 0, text: 'Hel' },
        { type: 'text', index: 0, text: 'lo' },
        { type: 'stop', stopReason: 'end_turn' },
      ] as ModelStreamEvent[]),
      request,
      new AbortController().signal,
      emitter,
    );
    expect(result.message.content).toEqual([{ text: 'Hello' }]);
    expect(result.stopReason).toBe('end_turn');
  });

  it('treats a stream that ends without a stop event as a failed call, not a finished answer', async () => {
    const round = runModelRound(providerOf([{ type: 'text', index: 0, text: 'Hel' }] as ModelStreamEvent[]), request, new AbortController().signal, emitter);
    await expect(round).rejects.toBeInstanceOf(ModelCallError);
    await expect(round).rejects.toMatchObject({ failure: 'unavailable' });
  });
});
