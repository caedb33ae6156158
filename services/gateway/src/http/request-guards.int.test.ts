import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserApiKeyStore } from '../domain/user-api-key-store.js';
import { SERVICE_KEY, startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';

let h: GatewayHarness;
let aliceKey: string;
beforeAll(async () => {
  h = await startGatewayHarness({ env: { RATE_LIMIT_PER_MINUTE: '3', MAX_BODY_BYTES: '65536', MAX_ATTACHMENT_BYTES: '2048', CORS_ORIGINS: 'http://ui.example' } });
  aliceKey = (await new UserApiKeyStore(h.testRedis.client, h.keys).create('alice')).apiKey;
});
afterAll(async () => {
  await h?.close();
});

/** The current rate-limit window's start, after waiting out a window about to end (the tests count within one). */
async function currentWindowWithRoom(): Promise<number> {
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_100 - intoWindow));
  return Date.now() - (Date.now() % 60_000);
}

/** Subscribes to a channel; `until(n)` resolves with the first n messages. */
async function listen(channel: string) {
  const subscriber = h.testRedis.client.duplicate();
  const messages: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => messages.push(message));
  await subscriber.subscribe(channel);
  return {
    received: () => [...messages],
    until: async (count: number) => {
      await expect.poll(() => messages.length).toBeGreaterThanOrEqual(count);
      return messages.slice(0, count);
    },
    close: () => subscriber.quit(),
  };
}

const body = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('authentication', () => {
  it('answers 401 with an OpenAI error body for a missing or wrong key', async () => {
    for (const key of ['', 'wrong', `${SERVICE_KEY}x`]) {
      const res = await h.request('/v1/models', { key });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatchObject({ type: 'authentication_error', code: 'unauthorized' });
    }
  });

  it('lets a per-user key act only for its user', async () => {
    expect((await h.request('/v1/list/mcp_server', { key: aliceKey, user: '' })).status).toBe(200);
    expect((await h.request('/v1/list/mcp_server', { key: aliceKey, user: 'alice' })).status).toBe(200);
    const res = await h.request('/v1/list/mcp_server', { key: aliceKey, user: 'bob' });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('forbidden');
  });

  it('refuses a malformed X-User-ID', async () => {
    const res = await h.request('/v1/models', { user: '../etc' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('X-User-ID');
  });

  it('leaves health, readiness and docs open', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) expect((await fetch(`${h.url}${path}`)).status).toBe(200);
  });

  it('serves /metrics (it labels user ids) only with the internal key: 401 without it, with another key, or with an API key', async () => {
    for (const authorization of [undefined, `Bearer ${SERVICE_KEY}`, 'Bearer another-internal-key-of-the-right-length-0123']) {
      const res = await fetch(`${h.url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status, String(authorization)).toBe(401);
      expect((await res.json()).error).toMatchObject({ code: 'unauthorized', type: 'authentication_error' });
    }
    const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
    expect(metrics).toContain('gateway_http_requests_total');
    expect(metrics).toContain('gateway_active_streams');
    expect(metrics).toContain('gateway_ttft_seconds');
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400, never a crash', async () => {
    const res = await h.request('/v1/chat/completions', { method: 'POST', body: '{"model": ', user: 'garbage1' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/Malformed JSON/);
  });

  it('names the field of a schema error', async () => {
    const res = await h.request('/v1/chat/completions', { method: 'POST', body: body({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] }] }), user: 'garbage2' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('messages[0].content[0].image_url.url');
  });

  it('answers 413 for a body over MAX_BODY_BYTES and for an attachment over MAX_ATTACHMENT_BYTES', async () => {
    const big = await h.request('/v1/chat/completions', { method: 'POST', body: body({ messages: [{ role: 'user', content: 'x'.repeat(70_000) }] }), user: 'garbage3' });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('payload_too_large');
    const image = `data:image/png;base64,${'A'.repeat(4000)}`;
    const attachment = await h.request('/v1/chat/completions', {
      method: 'POST',
      body: body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: image } }] }] }),
      user: 'garbage4',
    });
    expect(attachment.status).toBe(413);
    expect((await attachment.json()).error.param).toBe('messages[0].content[1].image_url.url');
  });

  it('survives garbage: binary bodies, wrong types, huge headers, odd methods', async () => {
    const attempts: Array<Promise<Response>> = [
      h.request('/v1/chat/completions', { method: 'POST', body: new Uint8Array([0xff, 0x00, 0xfe, 0x7b]), user: 'g1' }),
      h.request('/v1/chat/completions', { method: 'POST', body: '[]', user: 'g2' }),
      h.request('/v1/chat/completions', { method: 'POST', body: 'null', user: 'g3' }),
      h.request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 1, messages: 'x', stream: 'yes' }), user: 'g4' }),
      h.request('/v1/add/mcp_server', { method: 'POST', body: '"str"', user: 'g5' }),
      h.request('/v1/add/mcp_server', { method: 'POST', body: JSON.stringify({ config_json: { mcpServers: { 'bad id!': { command: 'x' } } } }), user: 'g6' }),
      h.request('/v1/remove/mcp_server/%E0%A4%A', { method: 'DELETE', user: 'g7' }),
      h.request('/v1/chat/completions/chatcmpl-%00/stream', { user: 'g8' }),
      h.request('/v1/chat/completions', { method: 'PATCH', user: 'g9' }),
      h.request('/v1/chat/completions', { method: 'POST', body: body(), headers: { 'content-type': 'text/plain; charset=klingon' }, user: 'g10' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const json = await res.json();
      expect(json.error.message).toEqual(expect.any(String));
    }
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('answers unknown routes with a 404 OpenAI error', async () => {
    const res = await h.request('/v1/nothing/here');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: 'Unknown route: GET /v1/nothing/here', type: 'invalid_request_error', code: 'not_found', param: null } });
  });

  it('rate-limits chat per user with 429 and retry-after', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await h.request('/v1/chat/completions', { method: 'POST', body: body({ model: 'unknown-so-it-is-cheap' }), user: 'ratelimited' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await last!.json()).error.type).toBe('rate_limit_error');
    // Another user is not affected.
    expect((await h.request('/v1/chat/completions', { method: 'POST', body: body({ model: 'x' }), user: 'someone-else' })).status).toBe(404);
  });

  it('refuses a turn over a limit counted elsewhere with 429, and never queues it', async () => {
    // Another gateway replica used up this user's window: the count is taken in the step that admits the turn, so this one knows.
    const windowStart = await currentWindowWithRoom();
    await h.testRedis.client.set(h.turnKeys.userRateLimit('counted-elsewhere', windowStart), '3', 'PX', 61_000);
    const cancels = await listen(h.turnKeys.cancelChannel());
    const res = await h.request('/v1/chat/completions', { method: 'POST', body: body(), user: 'counted-elsewhere' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await h.testRedis.client.get(h.turnKeys.userRateLimit('counted-elsewhere', windowStart))).toBe('4');
    // Jobs are taken in order: once a later one is taken, a queued refused one would have been too.
    const later = await h.request('/v1/chat/completions', { method: 'POST', body: body(), user: 'after-counted-elsewhere' });
    const laterTurn = later.headers.get('x-stream-id');
    await expect.poll(() => h.worker.jobs.some((job) => job.turnId === laterTurn)).toBe(true);
    expect(h.worker.jobs.filter((job) => job.userId === 'counted-elsewhere')).toEqual([]);
    expect(await h.testRedis.client.zcard(h.turnKeys.userActiveTurns('counted-elsewhere'))).toBe(0);
    // Nothing was queued, so nothing had to be stopped.
    expect(cancels.received()).toEqual([]);
    await cancels.close();
  });

  it('counts each turn of a user as it admits it: the one over the limit is never queued', async () => {
    await currentWindowWithRoom();
    const user = 'near-limit';
    const cancels = await listen(h.turnKeys.cancelChannel());
    for (let i = 0; i < 3; i++) expect((await h.request('/v1/chat/completions', { method: 'POST', body: body(), user })).status).toBe(200);
    expect((await h.request('/v1/chat/completions', { method: 'POST', body: body(), user })).status).toBe(429);
    // Jobs are taken in order: once a later one is taken, a queued refused one would have been too.
    const later = await h.request('/v1/chat/completions', { method: 'POST', body: body(), user: 'after-near-limit' });
    const laterTurn = later.headers.get('x-stream-id');
    await expect.poll(() => h.worker.jobs.some((job) => job.turnId === laterTurn)).toBe(true);
    expect(h.worker.jobs.filter((job) => job.userId === user)).toHaveLength(3);
    // Nothing was queued, so nothing had to be stopped.
    expect(cancels.received()).toEqual([]);
    await cancels.close();
  });

  it('counts a request refused after its admission went out (before the checks) once, and leaves it nothing: no slot, claim, meta or job; over the limit its 429 wins', async () => {
    const windowStart = await currentWindowWithRoom();
    const user = 'refused-after-admission';
    const counted = () => h.testRedis.client.get(h.turnKeys.userRateLimit(user, windowStart));
    const chat = (extra: Record<string, unknown>) => h.request('/v1/chat/completions', { method: 'POST', body: body({ conversation_id: 'refused-conversation', ...extra }), user });
    const metas = async () => {
      const keys = await h.testRedis.client.keys(h.turnKeys.turnMeta('*'));
      const owners = await Promise.all(keys.map((key) => h.testRedis.client.hget(key, 'userId')));
      return owners.filter((owner) => owner === user).length;
    };
    // A model and a conversation the admission can read, then refused by the schema and by the submitter's checks.
    expect((await chat({ temperature: 7 })).status).toBe(400);
    expect(await counted()).toBe('1');
    const unknownServer = await chat({ mcp_server_ids: ['nope'] });
    expect(unknownServer.status).toBe(400);
    expect((await unknownServer.json()).error.message).toContain("unknown MCP server 'nope'");
    expect(await counted()).toBe('2');
    expect(await h.testRedis.client.zcard(h.turnKeys.userActiveTurns(user))).toBe(0);
    expect(await h.testRedis.client.exists(h.turnKeys.conversationTurn(user, 'refused-conversation'))).toBe(0);
    expect(await metas()).toBe(0);
    expect((await chat({ temperature: 7 })).status).toBe(400);
    const over = await chat({ temperature: 7 });
    expect(over.status).toBe(429);
    expect((await over.json()).error.type).toBe('rate_limit_error');
    expect(await counted()).toBe('4');
    expect(h.worker.jobs.filter((job) => job.userId === user)).toEqual([]);
    expect(await metas()).toBe(0);
  });
});

describe('CORS', () => {
  it('gives a chat turn the allowed origin and counts it once in the request metrics', async () => {
    const completions = async () => {
      const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
      return Number(/gateway_http_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    };
    const before = await completions();
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: 'http://ui.example', authorization: `Bearer ${aliceKey}`, 'content-type': 'application/json' },
      body: body(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://ui.example');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Stream-ID');
    await res.json();
    await expect.poll(completions).toBe(before + 1);
  });

  it('answers preflights for the configured origin with the headers the UI needs', async () => {
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://ui.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-user-id' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://ui.example');
    for (const header of ['Authorization', 'Content-Type', 'X-User-ID', 'X-Stream-Format', 'Last-Event-ID']) {
      expect(res.headers.get('access-control-allow-headers')).toContain(header);
    }
    const other = await fetch(`${h.url}/v1/models`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const exposed = await h.request('/v1/models', { headers: { origin: 'http://ui.example' } });
    expect(exposed.headers.get('access-control-expose-headers')).toContain('X-Stream-ID');
  });
});
