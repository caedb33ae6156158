import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';

// Two gateway replicas behind one Redis, as the scaling benchmark runs them.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'gateways', gateways: 2 });
  stack.emulator.script([{ reply: { text: 'answered' } }]);
});
afterAll(async () => {
  await stack?.stop();
});

describe('a stack with two gateways', () => {
  it('runs both on their own ports, each answering completions through the one worker', async () => {
    expect(stack.gateways).toHaveLength(2);
    expect(new Set(stack.gatewayUrls).size).toBe(2);
    expect(stack.gatewayUrls[0]).toBe(stack.gatewayUrl);
    for (const [index, gatewayUrl] of stack.gatewayUrls.entries()) {
      const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...stack.headers(`replica-${index}`), 'content-type': 'application/json' },
        body: JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'hello' }] }),
      });
      expect(response.status).toBe(200);
      const json = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      expect(json.choices[0]!.message.content).toBe('answered');
    }
  });
});
