import { createMetricsRegistry, type Registry } from '@bedrock-mcp/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;
let registry: Registry;

beforeAll(async () => {
  stack = await startWorkerStack('metrics');
  registry = createMetricsRegistry('agent-worker');
  await stack.startWorker({}, registry);
}, 60_000);
afterAll(() => stack?.close());

describe('turn metrics on /metrics', () => {
  it('counts and times every turn by finish reason, including failed ones', async () => {
    stack.emulator.script([{ when: { lastUserText: 'hello' }, reply: { text: 'hi there' } }]);
    await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'hello' }] }));
    await stack.client.run(chatJob({ model: 'no-such-model', messages: [{ role: 'user', content: 'hello' }] }));

    // The turn's `done` event reaches the client just before the worker counts the turn.
    const errorLine = `agent_turns_total{finish_reason="error",model="unknown",service="agent-worker"} 1`;
    await expect.poll(() => registry.metrics()).toContain(errorLine);
    const text = await registry.metrics();
    expect(text).toContain(`agent_turns_total{finish_reason="end_turn",model="${CLAUDE}",service="agent-worker"} 1`);
    // An unconfigured model id is not a label value: clients cannot grow the series.
    expect(text).toContain(errorLine);
    expect(text).not.toContain('no-such-model');
    const durationCount = text.split('\n').find((line) => line.startsWith('agent_turn_duration_seconds_count{') && line.includes('finish_reason="end_turn"'));
    expect(durationCount?.endsWith(' 1')).toBe(true);
    expect(text).toContain('agent_turns_running{service="agent-worker"} 0');
  });
});
