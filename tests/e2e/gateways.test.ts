import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSse, type SseEvent } from './support/sse.js';
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

  // The submitting gateway reads the turn on its own channel; another one subscribes to the turn's.
  it("streams a turn live from the gateway that took it and, resumed meanwhile, from the other one; neither waits for a log re-read", async () => {
    stack.emulator.script([{ reply: { text: 'one two three four five six', chunkCount: 6, chunkDelayMs: 250 } }]);
    const userId = 'replica-resume';
    const post = (gatewayUrl: string, path: string, init: RequestInit) =>
      fetch(`${gatewayUrl}${path}`, { ...init, headers: { ...stack.headers(userId), 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) });
    const startedAt = Date.now();
    const submitted = await post(stack.gatewayUrls[0]!, '/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: STACK_MODEL, stream: true, messages: [{ role: 'user', content: 'count' }] }),
    });
    expect(submitted.status).toBe(200);
    const turnId = submitted.headers.get('x-stream-id')!;
    let resumedReading: Promise<SseEvent[]> | undefined;
    const arrivals: number[] = [];
    const firstEvents = await readSse(submitted, async (event) => {
      arrivals.push(Date.now() - startedAt);
      if (resumedReading || !event.id) return;
      const resumed = await post(stack.gatewayUrls[1]!, `/v1/chat/completions/${turnId}/stream`, { method: 'GET', headers: {} });
      expect(resumed.status).toBe(200);
      resumedReading = readSse(resumed);
    });
    const resumedEvents = await resumedReading!;
    const textOf = (events: SseEvent[]) =>
      events
        .filter((event) => event.data !== '[DONE]')
        .map((event) => (JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
        .join('');
    for (const events of [firstEvents, resumedEvents]) {
      expect(events.at(-1)?.data).toBe('[DONE]');
      expect(textOf(events)).toBe('one two three four five six');
    }
    // Live: the chunks came paced by the model (250 ms apart), and the whole turn well inside the
    // hubs' 15 s resync, which is all a gateway not hearing the turn's channel would have had.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - startedAt).toBeLessThan(8000);
  });
});
