import type { TurnEmitter } from '@bedrock-mcp/turns';
import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../providers/model-errors.js';
import type { ModelStreamEvent } from '../providers/model-provider.js';
import { runModelRound } from './model-round.js';

async function* streamOf(events: ModelStreamEvent[]): AsyncIterable<ModelStreamEvent> {
  yield* events;
}
const emitter = { emit: async () => undefined } as unknown as TurnEmitter;

describe('runModelRound', () => {
  it('assembles the message and keeps the stop reason', async () => {
    const result = await runModelRound(
      streamOf([
        { type: 'text', index: 0, text: 'Hel' },
        { type: 'text', index: 0, text: 'lo' },
        { type: 'stop', stopReason: 'end_turn' },
      ] as ModelStreamEvent[]),
      emitter,
    );
    expect(result.message.content).toEqual([{ text: 'Hello' }]);
    expect(result.stopReason).toBe('end_turn');
  });

  it('treats a stream that ends without a stop event as a failed call, not a finished answer', async () => {
    const round = runModelRound(streamOf([{ type: 'text', index: 0, text: 'Hel' }] as ModelStreamEvent[]), emitter);
    await expect(round).rejects.toBeInstanceOf(ModelCallError);
    await expect(round).rejects.toMatchObject({ failure: 'unavailable' });
  });
});
