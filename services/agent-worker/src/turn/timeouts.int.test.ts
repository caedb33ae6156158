import type { StreamEvent } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;

beforeAll(async () => {
  stack = await startWorkerStack('timeouts');
  await stack.startWorker({ MODEL_CALL_TIMEOUT_MS: '1000', TURN_TIMEOUT_MS: '3000' });
}, 60_000);
afterAll(() => stack?.close());

const ending = (events: StreamEvent[]) => events.slice(-2);

describe('deadlines', () => {
  it('ends a model call that outlives MODEL_CALL_TIMEOUT_MS with a timeout error', async () => {
    stack.emulator.script([{ reply: { text: 'slow '.repeat(20), chunkCount: 20, chunkDelayMs: 100 } }]);
    const started = Date.now();
    const events = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'slow model' }] }));
    expect(Date.now() - started).toBeLessThan(1800);
    expect(ending(events)).toMatchObject([
      { type: 'error', code: 'timeout', message: expect.stringContaining('MODEL_CALL_TIMEOUT_MS') },
      { type: 'done', finishReason: 'error' },
    ]);
  });

  it('ends a turn that outlives TURN_TIMEOUT_MS, however many rounds it is in', async () => {
    // Warm the user's MCP server first, so the rounds are not slowed by its start.
    const userId = 'timeouts-user';
    stack.emulator.reset();
    stack.emulator.script([{ reply: { text: 'warm' } }]);
    await stack.client.run(chatJob({ model: CLAUDE, userId, messages: [{ role: 'user', content: 'warm up' }], mcpServerIds: ['everything'] }));
    stack.emulator.script([{ reply: { text: 'again', toolUses: [{ name: 'everything__echo', input: { message: 'tick' } }], chunkCount: 2, chunkDelayMs: 50 } }]);
    const started = Date.now();
    const events = await stack.client.run(chatJob({ model: CLAUDE, userId, messages: [{ role: 'user', content: 'loop' }], mcpServerIds: ['everything'] }));
    expect(Date.now() - started).toBeLessThan(4000);
    expect(events.filter((event) => event.type === 'round_start').length).toBeGreaterThan(1);
    expect(ending(events)).toMatchObject([
      { type: 'error', code: 'timeout', message: expect.stringContaining('TURN_TIMEOUT_MS') },
      { type: 'done', finishReason: 'error' },
    ]);
  });
});
