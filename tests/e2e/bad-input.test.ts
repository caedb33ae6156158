import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'badinput', gatewayEnv: { MAX_BODY_BYTES: '200000', MAX_ATTACHMENT_BYTES: '50000', RATE_LIMIT_PER_MINUTE: '1000' } });
  stack.emulator.script([{ reply: { text: 'fine' } }]);
});
afterAll(async () => {
  await stack?.stop();
});

const post = (body: string | Uint8Array<ArrayBuffer>, userId = 'mallory', headers: Record<string, string> = {}) =>
  stack.fetch('/v1/chat/completions', { method: 'POST', userId, body, headers });

/** Writes raw bytes to the gateway's port and returns whatever comes back. */
function rawRequest(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(stack.gatewayUrl).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    socket.write(bytes);
    setTimeout(() => socket.end(), 300);
  });
}

describe('bad input against the gateway process', () => {
  it('answers every malformed request with a 4xx OpenAI error and keeps serving', async () => {
    const cases: Array<[string, Promise<Response>, number, string | null]> = [
      ['malformed JSON', post('{"model": "x", '), 400, null],
      ['not an object', post('[1,2,3]'), 400, null],
      ['missing messages', post(JSON.stringify({ model: STACK_MODEL })), 400, 'messages'],
      ['wrong type', post(JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 5 }] })), 400, 'messages[0].content'],
      ['unknown role', post(JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'wizard', content: 'x' }] })), 400, 'messages[0].role'],
      ['bad temperature', post(JSON.stringify({ model: STACK_MODEL, temperature: 9, messages: [{ role: 'user', content: 'x' }] })), 400, 'temperature'],
      ['unknown model', post(JSON.stringify({ model: 'gpt-17', messages: [{ role: 'user', content: 'x' }] })), 404, 'model'],
      ['unknown server', post(JSON.stringify({ model: STACK_MODEL, mcp_server_ids: ['ghost'], messages: [{ role: 'user', content: 'x' }] })), 400, 'mcp_server_ids[0]'],
      ['body too large', post(JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'x'.repeat(300_000) }] })), 413, null],
      [
        'attachment too large',
        post(JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: 'A'.repeat(80_000), filename: 'a.pdf' } }] }] })),
        413,
        'messages[0].content[0].file.file_data',
      ],
      ['binary garbage', post(new Uint8Array([0, 159, 146, 150, 255])), 400, null],
      ['bad user id', stack.fetch('/v1/models', { userId: 'a b/c' }), 400, 'X-User-ID'],
      ['unknown route', stack.fetch('/v2/everything', { userId: 'mallory' }), 404, null],
    ];
    for (const [name, pending, status, param] of cases) {
      const res = await pending;
      expect(res.status, name).toBe(status);
      const body = (await res.json()) as { error: { message: string; type: string; param: string | null } };
      expect(body.error.message, name).toEqual(expect.any(String));
      if (param) expect(body.error.param, name).toBe(param);
    }
    expect((await fetch(`${stack.gatewayUrl}/healthz`)).status).toBe(200);
  });

  it('survives broken HTTP and WebSocket abuse', async () => {
    expect(await rawRequest('GARBAGE / HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await rawRequest('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"trunc');
    expect(await rawRequest('GET /ws/elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 404/,
    );
    const socket = new WebSocket(stack.wsUrl);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await new Promise((resolve) => socket.once('close', (code) => resolve(code)))).toBe(4401);

    const completion = await post(JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'still alive?' }] }), 'after-abuse');
    expect(((await completion.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('fine');
    expect(stack.gateway.child.exitCode).toBeNull();
  });

  it('refuses a turn over a limit used up through another gateway with 429, and never queues it: no job, no model call', async () => {
    // The limit was used up through another gateway replica: the count is taken in the step that admits the turn.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_100 - intoWindow));
    const windowStart = Date.now() - (Date.now() % 60_000);
    await stack.redis.client.set(stack.turnKeys.userRateLimit('over-elsewhere', windowStart), '1000', 'PX', 61_000);
    const subscriber = stack.redis.client.duplicate();
    const stopped: string[] = [];
    subscriber.on('message', (_channel: string, turnId: string) => stopped.push(turnId));
    await subscriber.subscribe(stack.turnKeys.cancelChannel());
    const modelCalls = stack.emulator.requests.length;

    const res = await post(JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'hi' }] }), 'over-elsewhere');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // Jobs are taken in order: once a later turn has answered, a queued refused one would have run too.
    const later = await post(JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'hi' }] }), 'under-the-limit');
    expect(later.status).toBe(200);
    expect(stack.emulator.requests.length).toBe(modelCalls + 1);
    // Nothing was queued, so nothing had to be stopped (a queued one was stopped by a broadcast before).
    expect(stopped).toEqual([]);
    expect(await stack.redis.client.zcard(stack.turnKeys.userActiveTurns('over-elsewhere'))).toBe(0);
    await subscriber.quit();
  });
});

