import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSse } from './support/sse.js';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  // SHUTDOWN_TIMEOUT_S=4: streams get 2 s to finish on SIGTERM (2 s are kept for closing).
  stack = await startStack({ label: 'ops', gatewayEnv: { SHUTDOWN_TIMEOUT_S: '4' } });
  stack.emulator.script([
    { when: { lastUserText: 'short stream' }, reply: { text: 'one two three four', chunkCount: 4, chunkDelayMs: 200 } },
    { when: { lastUserText: 'long stream' }, reply: { text: 'x'.repeat(60), chunkCount: 30, chunkDelayMs: 150 } },
    { reply: { text: 'ok' } },
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

const stream = (content: string) =>
  stack.fetch('/v1/chat/completions', { method: 'POST', userId: 'ops', body: JSON.stringify({ model: STACK_MODEL, stream: true, messages: [{ role: 'user', content }] }) });

describe('operations', () => {
  it('answers /healthz, /readyz (Redis, the config store and the conversation store) and /metrics', async () => {
    expect(await (await fetch(`${stack.gatewayUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${stack.gatewayUrl}/readyz`)).json()).toEqual({ status: 'ok', checks: { redis: 'ok', store: 'ok', conversations: 'ok' } });
    await readSse(await stream('metrics please'));
    expect((await fetch(`${stack.gatewayUrl}/metrics`)).status).toBe(401);
    const metrics = await (await fetch(`${stack.gatewayUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
    expect(metrics).toMatch(/gateway_http_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} \d+/);
    expect(metrics).toMatch(/gateway_ttft_seconds_count\{[^}]*transport="sse"[^}]*\} [1-9]/);
    expect(metrics).toContain('gateway_active_streams');
  });

  it('on SIGTERM lets a live stream finish, then exits 0', async () => {
    const res = await stream('short stream');
    const reading = readSse(res);
    await new Promise((resolve) => setTimeout(resolve, 150));
    stack.gateway.signal('SIGTERM');
    const events = await reading;
    expect(events.at(-1)?.data).toBe('[DONE]');
    const text = events
      .filter((event) => event.data !== '[DONE]')
      .map((event) => (JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('one two three four');
    expect(await stack.gateway.exited).toBe(0);
    await stack.restartGateway();
  });

  it('cuts a stream that outlives the drain without [DONE]; the turn goes on and resumes on the restarted gateway', async () => {
    const res = await stream('long stream');
    const turnId = res.headers.get('x-stream-id')!;
    const started = Date.now();
    let lastId = 0;
    const reading = readSse(res, (event) => {
      if (event.id) lastId = Number(event.id);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    stack.gateway.signal('SIGTERM');
    const cut = await reading;
    expect(cut.at(-1)?.data).not.toBe('[DONE]');
    expect(await stack.gateway.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);

    await stack.restartGateway();
    const resumed = await stack.fetch(`/v1/chat/completions/${turnId}/stream`, { userId: 'ops', headers: { 'Last-Event-ID': String(lastId) } });
    const rest = await readSse(resumed);
    expect(rest.at(-1)?.data).toBe('[DONE]');
    const ids = rest.filter((event) => event.id).map((event) => Number(event.id));
    expect(ids[0]).toBe(lastId + 1);
    const text = [...cut, ...rest]
      .filter((event) => event.data !== '[DONE]')
      .map((event) => (JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('x'.repeat(60));
  });
});
