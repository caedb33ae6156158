import { CALL_SOCKET_PATH, CallSocketServerFrameSchema, toolResultText, type CallSocketServerFrame } from '@bedrock-mcp/contracts';
import { PoolClient, PoolClientError, type ToolProgress } from '@bedrock-mcp/pool-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { WebSocket } from 'ws';
import { startTestPool, type TestPool } from '../testing/pool-harness.js';

let pool: TestPool;
let httpRequests: () => number;
beforeAll(async () => {
  pool = await startTestPool({ label: 'call-socket' });
  httpRequests = countHttpRequests(pool);
});
afterAll(() => pool?.close());

const echo = (message: string) => ({ serverId: 'everything', toolName: 'echo', arguments: { message } });
const longRunning = (duration: number, steps: number) => ({ serverId: 'everything', toolName: 'trigger-long-running-operation', arguments: { duration, steps } });

/** The number of HTTP requests `testPool` has received since this was called (call-socket frames are not requests). */
function countHttpRequests(testPool: TestPool): () => number {
  let requests = 0;
  testPool.service.server.on('request', () => (requests += 1));
  return () => requests;
}

/** Waits until `client` makes a call for 'sam' without an HTTP request (its socket is open, the user owned by the pool). */
async function untilOverSocket(client: PoolClient, requests = httpRequests): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const before = requests();
    await client.callTool('sam', echo('warm'));
    if (requests() === before) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('tool calls never went over the call socket');
}

/** A raw call-socket connection that records every frame. */
async function rawSocket(): Promise<{ ws: WebSocket; frames: CallSocketServerFrame[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${pool.service.url.replace('http', 'ws')}${CALL_SOCKET_PATH}`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } });
  const frames: CallSocketServerFrame[] = [];
  ws.on('message', (data) => frames.push(CallSocketServerFrameSchema.parse(JSON.parse(data.toString()))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, frames, closed };
}

async function until<T>(read: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the call socket against the real pool and server-everything', () => {
  it('carries tool calls, many at once, with no HTTP request per call', async () => {
    const client = new PoolClient({ baseUrl: pool.service.url, internalApiKey: TEST_INTERNAL_API_KEY });
    await untilOverSocket(client);
    const before = httpRequests();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => client.callTool('sam', echo(`call ${index}`))));
    expect(answers.map((answer) => toolResultText(answer.result))).toEqual(Array.from({ length: 20 }, (_, index) => `Echo: call ${index}`));
    expect(httpRequests()).toBe(before);
    client.close();
  });

  it('passes progress through before the result, and the tool’s own errors as results', async () => {
    const client = new PoolClient({ baseUrl: pool.service.url, internalApiKey: TEST_INTERNAL_API_KEY });
    await untilOverSocket(client);
    const progress: ToolProgress[] = [];
    const { result } = await client.callTool('sam', longRunning(0.3, 3), { onProgress: (update) => progress.push(update) });
    expect(progress.map((update) => update.progress)).toEqual([1, 2, 3]);
    expect(toolResultText(result)).toContain('Long running operation completed');
    const failed = await client.callTool('sam', { serverId: 'everything', toolName: 'get-sum', arguments: { a: 'not a number' } });
    expect(failed.result.isError).toBe(true);
    await expect(client.callTool('sam', { serverId: 'everything', toolName: 'no-such-tool', arguments: {} })).rejects.toMatchObject({ name: 'PoolClientError', code: 'tool_not_found' });
    client.close();
  });

  it('cancels a call at the server when the caller aborts, and the socket carries on', async () => {
    const client = new PoolClient({ baseUrl: pool.service.url, internalApiKey: TEST_INTERNAL_API_KEY });
    await untilOverSocket(client);
    const cancelledBefore = await pool.metric('mcp_pool_tool_call_duration_seconds_count', { outcome: 'cancelled' });
    const abort = new AbortController();
    const call = client.callTool('sam', longRunning(5, 50), { signal: abort.signal, onProgress: () => abort.abort(new Error('enough')) });
    await expect(call).rejects.toThrow('enough');
    // The pool ends the call as cancelled once the server has been told (notifications/cancelled).
    await until(async () => ((await pool.metric('mcp_pool_tool_call_duration_seconds_count', { outcome: 'cancelled' })) > cancelledBefore ? true : undefined), 'the cancelled call');
    expect(toolResultText((await client.callTool('sam', echo('still here'))).result)).toBe('Echo: still here');
    client.close();
  });

  it('answers reroute for a user this replica does not own, and the client then routes the call over HTTP', async () => {
    const raw = await rawSocket();
    raw.ws.send(JSON.stringify({ type: 'call', id: 7, userId: 'never-seen-here', request: echo('x') }));
    expect(await until(() => raw.frames.find((frame) => frame.id === 7), 'the answer')).toEqual({ type: 'reroute', id: 7 });
    raw.ws.close();

    const client = new PoolClient({ baseUrl: pool.service.url, internalApiKey: TEST_INTERNAL_API_KEY });
    await untilOverSocket(client);
    const before = httpRequests();
    expect(toolResultText((await client.callTool('newcomer', echo('first'))).result)).toBe('Echo: first');
    expect(httpRequests()).toBe(before + 1); // the reroute's HTTP call claimed the user here…
    expect(toolResultText((await client.callTool('newcomer', echo('second'))).result)).toBe('Echo: second');
    expect(httpRequests()).toBe(before + 1); // …so the next one stays on the socket
    client.close();
  });

  it('closes a socket that sends a frame outside the contract (1008), cancelling its calls', async () => {
    const raw = await rawSocket();
    raw.ws.send(JSON.stringify({ type: 'call', id: 1, userId: 'sam', request: longRunning(5, 50) }));
    await until(() => raw.frames.find((frame) => frame.type === 'progress'), 'progress');
    raw.ws.send(JSON.stringify({ type: 'call', id: 'two', userId: 'sam', request: echo('x') }));
    expect(await raw.closed).toMatchObject({ code: 1008, reason: expect.stringContaining('id') });
    const raw2 = await rawSocket();
    raw2.ws.send('not json');
    expect(await raw2.closed).toMatchObject({ code: 1008, reason: 'frames must be JSON text' });
  });

  it('refuses other paths on upgrade with 404', async () => {
    const ws = new WebSocket(`${pool.service.url.replace('http', 'ws')}/v1/elsewhere`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } });
    const error = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect(error.message).toContain('404');
  });
});

describe('the call socket on shutdown', () => {
  it('fails a call in flight with a PoolClientError; later calls meet the closed pool', async () => {
    const own = await startTestPool({ label: 'call-socket-close' });
    const client = new PoolClient({ baseUrl: own.service.url, internalApiKey: TEST_INTERNAL_API_KEY });
    try {
      await untilOverSocket(client, countHttpRequests(own));
      const failure = client.callTool('sam', longRunning(5, 50)).catch((caught: unknown) => caught);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await own.close();
      expect(await failure).toBeInstanceOf(PoolClientError);
      await expect(client.callTool('sam', echo('after'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      client.close();
      await own.close();
    }
  });
});
