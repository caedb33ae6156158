import type { IncomingMessage } from 'node:http';
import { createRedisKeys } from '@bedrock-mcp/common';
import { CALL_SOCKET_PATH, PoolErrorBodySchema, toolResultText } from '@bedrock-mcp/contracts';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestPool, type TestPool } from '../testing/pool-harness.js';

// Regression tests for issue #15 (item 2): the pool answered anyone who could reach its port, for
// any user named in the path (servers listed, started, tools called, metrics with user ids).

let pool: TestPool;
beforeAll(async () => {
  pool = await startTestPool({ label: 'internal-auth' });
});
afterAll(() => pool?.close());

const OTHER_KEY = 'another-internal-key-of-the-right-length-0123456789';
/** Callers the pool must refuse: no credential, another key, the right key under another scheme or bare. */
const REFUSED: Array<[string, Record<string, string>]> = [
  ['no credential', {}],
  ['another key', { authorization: `Bearer ${OTHER_KEY}` }],
  ['the key as Basic', { authorization: `Basic ${TEST_INTERNAL_API_KEY}` }],
  ['the key without a scheme', { authorization: TEST_INTERNAL_API_KEY }],
];
const RIGHT = { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` };
const echo = (message: string) => ({ serverId: 'everything', toolName: 'echo', arguments: { message } });

async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  expect(PoolErrorBodySchema.parse(await response.json()).error.code).toBe('unauthorized');
}

const owner = (userId: string) => pool.redis.get(createRedisKeys(pool.testRedis.prefix).poolOwner(userId));
const toolCalls = () => pool.metric('mcp_pool_tool_call_duration_seconds_count');

describe('the pool refuses callers without INTERNAL_API_KEY', () => {
  it.each(REFUSED)('every /v1 route (%s): 401, and nothing reaches the pool', async (_, headers) => {
    const spawns = await pool.metric('mcp_pool_spawns_total');
    const base = `${pool.service.url}/v1/users/victim`;
    const json = { ...headers, 'content-type': 'application/json' };
    await expectRefused(await fetch(`${base}/servers`, { headers }));
    await expectRefused(await fetch(`${base}/servers/everything/ensure`, { method: 'POST', headers }));
    await expectRefused(await fetch(`${base}/catalog`, { method: 'POST', headers: json, body: JSON.stringify({ serverIds: ['everything'] }) }));
    await expectRefused(await fetch(`${base}/call`, { method: 'POST', headers: json, body: JSON.stringify(echo('x')) }));
    await expectRefused(await fetch(`${base}/servers/everything`, { method: 'DELETE', headers }));
    await expectRefused(await fetch(`${base}/elicitations/eli_anything`, { method: 'POST', headers: json, body: JSON.stringify({ action: 'cancel' }) }));
    await expectRefused(await fetch(`${base}/request-servers/check`, { method: 'POST', headers: json, body: JSON.stringify({ urls: ['https://mcp.example.com/mcp'] }) }));
    await expectRefused(await fetch(`${base}/turns/chatcmpl-anything01/servers`, { method: 'DELETE', headers }));
    // An unknown route is refused too, not answered 404: nothing about the API is told.
    await expectRefused(await fetch(`${pool.service.url}/v1/anything`, { headers }));
    expect(await pool.metric('mcp_pool_spawns_total')).toBe(spawns);
    expect(await owner('victim')).toBeNull();
    expect(pool.service.pool.hasActivity('victim')).toBe(false);
  });

  it.each(REFUSED)('the call route on its fast path, for a user the pool owns and serves (%s)', async (_, headers) => {
    await pool.client.callTool('owned', echo('warm'));
    expect(await owner('owned')).toBe(pool.service.replicaId);
    const calls = await toolCalls();
    // Exactly what PoolClient sends, so the fast path (not express) would take it.
    const body = JSON.stringify(echo('intruder'));
    const response = await fetch(`${pool.service.url}/v1/users/owned/call`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/x-ndjson' }, // fetch adds the content-length
      body,
    });
    await expectRefused(response);
    expect(await toolCalls()).toBe(calls);
  });

  it.each(REFUSED)('the call socket upgrade, before any WebSocket handshake (%s)', async (_, headers) => {
    const ws = new WebSocket(`${pool.service.url.replace('http', 'ws')}${CALL_SOCKET_PATH}`, { headers });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      ws.once('unexpected-response', (_request, answer) => resolve(answer));
      ws.once('open', () => reject(new Error('the call socket opened without the internal key')));
      ws.once('error', reject);
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers.upgrade).toBeUndefined();
    let text = '';
    for await (const chunk of response) text += String(chunk);
    expect(PoolErrorBodySchema.parse(JSON.parse(text)).error.code).toBe('unauthorized');
    ws.terminate();
  });

  it.each(REFUSED)('/metrics, which labels user ids (%s)', async (_, headers) => {
    await expectRefused(await fetch(`${pool.service.url}/metrics`, { headers }));
  });

  it('leaves /healthz and /readyz open, and they tell nothing about users', async () => {
    await pool.client.callTool('owned', echo('warm'));
    const health = await fetch(`${pool.service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${pool.service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { redis: 'ok', store: 'ok' } });
    // Only reads are open there.
    expect((await fetch(`${pool.service.url}/healthz`, { method: 'POST' })).status).toBe(401);
  });
});

describe('a PoolClient holding another key', () => {
  it('gets PoolClientError unauthorized (401) for every call, over the socket and over HTTP', async () => {
    const client = new PoolClient({ baseUrl: pool.service.url, internalApiKey: OTHER_KEY });
    try {
      const calls = await toolCalls();
      await expect(client.listServers('victim')).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
      // The first call starts the socket (refused), the next ones find it refused: all end on HTTP, refused.
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(client.callTool('owned', echo('intruder'))).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await toolCalls()).toBe(calls);
    } finally {
      client.close();
    }
  });
});

describe('with INTERNAL_API_KEY', () => {
  it('every route, the call socket and /metrics answer', async () => {
    const status = await pool.client.ensureServer('keyholder', 'everything');
    expect(status.state).toBe('ready');
    expect((await pool.client.listServers('keyholder')).find((server) => server.serverId === 'everything')?.state).toBe('ready');
    expect((await pool.client.catalog('keyholder', ['everything'])).tools.length).toBeGreaterThan(0);
    expect(toolResultText((await pool.client.callTool('keyholder', echo('hello'))).result)).toContain('hello');

    const ws = new WebSocket(`${pool.service.url.replace('http', 'ws')}${CALL_SOCKET_PATH}`, { headers: RIGHT });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'call', id: 1, userId: 'keyholder', request: echo('over the socket') }));
    const frame = await new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    expect(frame).toContain('over the socket');
    ws.close();

    const metrics = await fetch(`${pool.service.url}/metrics`, { headers: RIGHT });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('user_id="keyholder"');
    expect((await pool.client.stopServer('keyholder', 'everything')).state).toBe('stopped');
  });
});
