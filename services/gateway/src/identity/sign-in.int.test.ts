import { MeResponseSchema, WsServerFrameSchema, type WsServerFrame } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { BrowserSession } from '../testing/browser-session.js';
import { SERVICE_KEY, startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.js';
import { startTestOidcProvider, TEST_OIDC_CLIENT_ID, TEST_OIDC_CLIENT_SECRET, type TestOidcProvider } from '@bedrock-mcp/test-support';
import { SessionStore } from './session-store.js';

// The origin people open the UI at; the test's "browser" sends its requests to the gateway directly
// (as the web server's proxy would).
const PUBLIC_URL = 'http://localhost:3999';
const ACCOUNTS = {
  alice: { name: 'Alice Example', email: 'alice@example.com', email_verified: true, groups: ['staff'] },
  bob: { name: 'Bob Example', email: 'bob@example.com', email_verified: true, groups: ['staff'] },
  carol: { name: 'Carol Example' },
  'mallory/evil': { name: 'Mallory' },
};

let provider: TestOidcProvider;
let h: GatewayHarness;

beforeAll(async () => {
  provider = await startTestOidcProvider(`${PUBLIC_URL}/auth/callback`, ACCOUNTS);
  h = await startGatewayHarness({
    env: {
      OIDC_ISSUER_URL: provider.issuer,
      OIDC_CLIENT_ID: TEST_OIDC_CLIENT_ID,
      OIDC_CLIENT_SECRET: TEST_OIDC_CLIENT_SECRET,
      PUBLIC_URL,
      SIGN_INS_PER_MINUTE: '40',
    },
    wsAuthTimeoutMs: 300,
  });
});
afterAll(async () => {
  await h?.close();
  await provider?.close();
});

const browser = () => new BrowserSession(PUBLIC_URL, h.url);

/** Signs in at the provider's development login page as `login`, consenting; returns where the browser ended up. */
async function signIn(session: BrowserSession, login: string, returnTo = '/chat/'): Promise<{ url: string; response: Response }> {
  const loginPage = await session.navigate(`${PUBLIC_URL}/auth/login?return_to=${encodeURIComponent(returnTo)}`);
  // Signed in at the provider already: it sends the browser straight back.
  if (!loginPage.url.startsWith(provider.issuer)) return loginPage;
  const consent = await session.submitForm({ html: await loginPage.response.text(), url: loginPage.url }, { login, password: 'any' });
  if (!consent.url.startsWith(provider.issuer)) return consent;
  return session.submitForm({ html: await consent.response.text(), url: consent.url });
}

async function me(session: BrowserSession) {
  const response = await session.request(`${PUBLIC_URL}/v1/me`);
  return { status: response.status, body: response.status === 200 ? MeResponseSchema.parse(await response.json()) : ((await response.json()) as { error: { code: string } }) };
}

function openSocket(session: BrowserSession | undefined, origin: string | undefined, cookie?: string) {
  const headers: Record<string, string> = {};
  const jar = cookie ?? (session ? [...session.cookies].map(([name, value]) => `${name}=${value}`).join('; ') : '');
  if (jar) headers.cookie = jar;
  if (origin) headers.origin = origin;
  const socket = new WebSocket(h.wsUrl, { headers });
  const frames: WsServerFrame[] = [];
  socket.on('message', (data) => frames.push(WsServerFrameSchema.parse(JSON.parse(String(data)))));
  const outcome = new Promise<{ status: number } | { open: true }>((resolve) => {
    socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.on('open', () => resolve({ open: true }));
    socket.on('error', () => undefined);
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  return { socket, frames, outcome, closed };
}

async function waitFor<T>(read: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('OpenID Connect sign-in (real oidc-provider on loopback)', () => {
  it('tells the UI to show a sign-in button', async () => {
    expect(await (await fetch(`${h.url}/auth/config`)).json()).toEqual({ mode: 'oidc' });
  });

  it('signs in through the provider’s login page (code flow + PKCE) and /v1/me says who', async () => {
    const session = browser();
    const landed = await signIn(session, 'alice', '/chat/c/42?x=1');
    expect(landed.url).toBe(`${PUBLIC_URL}/chat/c/42?x=1`);
    expect(session.cookie('bmcp_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.cookie('bmcp_login')).toBeUndefined();
    const who = await me(session);
    expect(who.body).toMatchObject({ user_id: 'alice', display_name: 'Alice Example', auth_method: 'oidc', csrf_token: expect.any(String) });
  });

  it('sends the browser to the provider with PKCE S256, state and nonce, and a login cookie bound to them', async () => {
    const session = browser();
    const response = await session.request(`${PUBLIC_URL}/auth/login`);
    expect(response.status).toBe(303);
    const target = new URL(response.headers.get('location')!);
    expect(target.origin).toBe(provider.issuer);
    expect(target.searchParams.get('code_challenge_method')).toBe('S256');
    expect(target.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/callback`);
    for (const name of ['code_challenge', 'state', 'nonce']) expect(target.searchParams.get(name)?.length).toBeGreaterThan(20);
    expect(response.headers.getSetCookie().find((line) => line.startsWith('bmcp_login='))).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it('refuses a replayed callback, and a callback in a browser that did not start the sign-in', async () => {
    const session = browser();
    const loginPage = await session.navigate(`${PUBLIC_URL}/auth/login`);
    const consent = await session.submitForm({ html: await loginPage.response.text(), url: loginPage.url }, { login: 'alice', password: 'x' });
    // Stop at the redirect to the callback: replay it in another browser, then twice in this one.
    const page = await consent.response.text();
    const action = /action="([^"]+)"/.exec(page)![1]!;
    let response = await session.request(new URL(action, consent.url).href, { method: 'POST', body: new URLSearchParams({ prompt: 'consent' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    let location = response.headers.get('location')!;
    while (!location.startsWith(`${PUBLIC_URL}/auth/callback`)) {
      response = await session.request(new URL(location, provider.issuer).href);
      location = response.headers.get('location')!;
    }
    const stranger = browser();
    const strangers = await stranger.request(location);
    expect(strangers.status).toBe(400);
    expect(await strangers.text()).toContain('not started in this browser');
    const loginCookie = session.cookie('bmcp_login')!;
    expect((await session.request(location)).status).toBe(303);
    // Even with the login cookie put back, the login state was used up.
    session.cookies.set('bmcp_login', loginCookie);
    const replayed = await session.request(location);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain('expired or was already used');
  });

  it('refuses a user claim that cannot be a user id, with a page saying why', async () => {
    const session = browser();
    const landed = await signIn(session, 'mallory/evil');
    expect(landed.response.status).toBe(403);
    expect(await landed.response.text()).toContain('cannot be a user id');
    expect(session.cookie('bmcp_session')).toBeUndefined();
  });

  it('never redirects off the origin after sign-in (return_to must be a same-origin path)', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/%0d%0aSet-Cookie:x=1']) {
      const session = browser();
      const landed = await signIn(session, 'alice', returnTo);
      expect(new URL(landed.url).origin, returnTo).toBe(PUBLIC_URL);
      if (returnTo.startsWith('/%')) expect(landed.url).toBe(`${PUBLIC_URL}/%0d%0aSet-Cookie:x=1`);
      else expect(landed.url, returnTo).toBe(`${PUBLIC_URL}/chat/`);
    }
  });

  it('refuses a flood of sign-ins from one address (each keeps state in Redis) with 429, counting the address the proxy saw', async () => {
    const start = (forwardedFor: string) => fetch(`${h.url}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': forwardedFor } });
    for (let i = 0; i < 40; i += 1) expect((await start('198.51.100.7')).status).toBe(303);
    const refused = await start('198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.text()).toContain('Too many sign-ins');
    // A client cannot dodge it by claiming another address in front: the last hop counts.
    expect((await start('203.0.113.9, 198.51.100.7')).status).toBe(429);
    expect((await start('198.51.100.8')).status).toBe(303);
  });

  it('gives every sign-in a new session id and ends the one the browser came with', async () => {
    const session = browser();
    await signIn(session, 'alice');
    const first = session.cookie('bmcp_session')!;
    await signIn(session, 'alice');
    const second = session.cookie('bmcp_session')!;
    expect(second).not.toBe(first);
    const old = await fetch(`${h.url}/v1/me`, { headers: { cookie: `bmcp_session=${first}` } });
    expect(old.status).toBe(401);
  });
});

describe('session cookies on REST', () => {
  it('refuses a forged cookie, and an idle or too old session', async () => {
    for (const cookie of ['bmcp_session=forged', `bmcp_session=${'A'.repeat(43)}`]) {
      const response = await fetch(`${h.url}/v1/me`, { headers: { cookie } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    const hourAgo = Date.now() - 3_600_000;
    const idle = new SessionStore(h.testRedis.client, h.keys, { idleTimeoutS: h.settings.SESSION_IDLE_TIMEOUT_S, maxAgeS: h.settings.SESSION_MAX_AGE_S, now: () => hourAgo - h.settings.SESSION_IDLE_TIMEOUT_S * 1000 });
    const old = new SessionStore(h.testRedis.client, h.keys, { idleTimeoutS: h.settings.SESSION_IDLE_TIMEOUT_S, maxAgeS: h.settings.SESSION_MAX_AGE_S, now: () => Date.now() - h.settings.SESSION_MAX_AGE_S * 1000 });
    for (const store of [idle, old]) {
      const { cookieValue } = await store.create({ userId: 'alice', displayName: 'Alice', method: 'oidc' });
      expect((await fetch(`${h.url}/v1/me`, { headers: { cookie: `bmcp_session=${cookieValue}` } })).status).toBe(401);
      const ws = openSocket(undefined, PUBLIC_URL, `bmcp_session=${cookieValue}`);
      expect(await ws.outcome).toEqual({ status: 401 });
    }
  });

  it('needs the session’s X-CSRF-Token on requests that change state (not on reads, not with a bearer key)', async () => {
    const session = browser();
    await signIn(session, 'alice');
    const who = await me(session);
    const csrf = (who.body as { csrf_token: string }).csrf_token;
    const create = (headers: Record<string, string>) => session.request(`${PUBLIC_URL}/v1/keys`, { method: 'POST', body: JSON.stringify({ name: 'ci' }), headers: { 'content-type': 'application/json', ...headers } });
    for (const headers of [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': `${csrf}x` }] as Array<Record<string, string>>) {
      const refused = await create(headers);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
    }
    const refusedDelete = await session.request(`${PUBLIC_URL}/v1/remove/history`, { method: 'POST' });
    expect(refusedDelete.status).toBe(403);
    expect((await create({ 'x-csrf-token': csrf })).status).toBe(201);
    expect((await session.request(`${PUBLIC_URL}/v1/keys`)).status).toBe(200);
    // A session cannot name another user either.
    expect((await session.request(`${PUBLIC_URL}/v1/me`, { headers: { 'x-user-id': 'bob' } })).status).toBe(403);
  });

  it('signs out this browser, and everywhere (both CSRF-checked)', async () => {
    const laptop = browser();
    const phone = browser();
    const tablet = browser();
    await signIn(laptop, 'bob');
    await signIn(phone, 'bob');
    await signIn(tablet, 'bob');
    const token = async (session: BrowserSession) => ((await me(session)).body as { csrf_token: string }).csrf_token;

    expect((await laptop.request(`${PUBLIC_URL}/auth/logout`, { method: 'POST' })).status).toBe(403);
    const laptopCookie = laptop.cookie('bmcp_session')!;
    const out = await laptop.request(`${PUBLIC_URL}/auth/logout`, { method: 'POST', headers: { 'x-csrf-token': await token(laptop) } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^bmcp_session=; Path=\/; Max-Age=0/);
    expect((await fetch(`${h.url}/v1/me`, { headers: { cookie: `bmcp_session=${laptopCookie}` } })).status).toBe(401);
    expect((await me(phone)).status).toBe(200);

    const phoneSocket = openSocket(phone, PUBLIC_URL);
    expect(await phoneSocket.outcome).toEqual({ open: true });
    await waitFor(() => phoneSocket.frames.find((frame) => frame.type === 'ready'));
    expect((await phone.request(`${PUBLIC_URL}/auth/logout-all`, { method: 'POST', headers: { 'x-csrf-token': 'nope' } })).status).toBe(403);
    expect((await phone.request(`${PUBLIC_URL}/auth/logout-all`, { method: 'POST', headers: { 'x-csrf-token': await token(phone) } })).status).toBe(204);
    expect((await me(tablet)).status).toBe(401);
    // The open socket of a signed-out session stops at its next frame.
    phoneSocket.socket.send(JSON.stringify({ type: 'stop', turnId: 'chatcmpl-aaaaaaaaaaaa' }));
    expect(await phoneSocket.closed).toBe(4401);
  });
});

describe('session cookies on the WebSocket', () => {
  it('authenticates a same-origin socket at once: ready first, no auth frame (an auth frame is an error)', async () => {
    const session = browser();
    await signIn(session, 'alice');
    const ws = openSocket(session, PUBLIC_URL);
    expect(await ws.outcome).toEqual({ open: true });
    expect(await waitFor(() => ws.frames[0])).toEqual({ type: 'ready', userId: 'alice' });
    ws.socket.send(JSON.stringify({ type: 'auth', apiKey: SERVICE_KEY, userId: 'bob' }));
    const error = await waitFor(() => ws.frames.find((frame) => frame.type === 'error'));
    expect(error).toMatchObject({ error: { code: 'invalid_request', message: 'already authenticated' } });
    ws.socket.send(JSON.stringify({ type: 'ping' }));
    await waitFor(() => ws.frames.find((frame) => frame.type === 'pong'));
    ws.socket.close();
  });

  it('refuses a socket with the cookie from another origin (or none) with 403 before the handshake', async () => {
    const session = browser();
    await signIn(session, 'alice');
    for (const origin of ['http://evil.example', 'http://localhost:3998', 'null', undefined]) {
      const ws = openSocket(session, origin);
      expect(await ws.outcome, String(origin)).toEqual({ status: 403 });
    }
  });

  it('refuses a forged cookie with 401 before the handshake; without a cookie the auth frame still works', async () => {
    const forged = openSocket(undefined, PUBLIC_URL, `bmcp_session=${'B'.repeat(43)}`);
    expect(await forged.outcome).toEqual({ status: 401 });
    const integration = openSocket(undefined, undefined);
    expect(await integration.outcome).toEqual({ open: true });
    integration.socket.send(JSON.stringify({ type: 'auth', apiKey: SERVICE_KEY, userId: 'carol' }));
    expect(await waitFor(() => integration.frames[0])).toEqual({ type: 'ready', userId: 'carol' });
    integration.socket.close();
  });
});

describe('personal API keys', () => {
  async function signedIn(login: string) {
    const session = browser();
    await signIn(session, login);
    const csrf = ((await me(session)).body as { csrf_token: string }).csrf_token;
    const call = (path: string, init: RequestInit = {}) =>
      session.request(`${PUBLIC_URL}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, ...(init.headers as Record<string, string>) } });
    return { session, call };
  }
  const withKey = (key: string, path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
    fetch(`${h.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...headers } });

  it('are created (shown once), listed, used only as their user, and revoked at once', async () => {
    const carol = await signedIn('carol');
    const created = await carol.call('/v1/keys', { method: 'POST', body: JSON.stringify({ name: 'laptop script', expires_in_days: 30 }) });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string; prefix: string; name: string; expires_at: string; created_at: string };
    expect(key).toMatchObject({ name: 'laptop script', id: expect.stringMatching(/^[0-9a-f]{12}$/), key: expect.stringMatching(/^bmk_/) });
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect(Date.parse(key.expires_at) - Date.parse(key.created_at)).toBe(30 * 86_400_000);

    const asKey = (await (await withKey(key.key, '/v1/me')).json()) as { user_id: string; auth_method: string; csrf_token?: string };
    expect(asKey).toEqual({ user_id: 'carol', display_name: 'carol', auth_method: 'user_key' });
    expect((await withKey(key.key, '/v1/me', { 'x-user-id': 'bob' })).status).toBe(403);
    expect((await withKey(key.key, '/v1/list/mcp_server', { 'x-user-id': 'bob' })).status).toBe(403);
    // No CSRF token needed with a bearer key.
    expect((await withKey(key.key, '/v1/keys', { 'content-type': 'application/json' }, { method: 'POST', body: '{"name":"from a script"}' })).status).toBe(201);

    const listed = (await (await carol.call('/v1/keys')).json()) as { data: Array<{ id: string; name: string; last_used_at: string | null; prefix: string }> };
    expect(listed.data.map((entry) => entry.name)).toEqual(['laptop script', 'from a script']);
    expect(listed.data[0]!.last_used_at).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(key.key);

    // Bob cannot see or revoke Carol's key: it is not found for him.
    const bob = await signedIn('bob');
    expect(((await (await bob.call('/v1/keys')).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await bob.call(`/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await withKey(key.key, '/v1/me')).status).toBe(200);

    expect((await carol.call(`/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await withKey(key.key, '/v1/me');
    expect(revoked.status).toBe(401);
    expect((await carol.call(`/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await carol.call('/v1/keys/not-a-key-id', { method: 'DELETE' })).status).toBe(404);
  });

  it('refuse bad input with a 400 naming the field', async () => {
    const alice = await signedIn('alice');
    for (const [body, param] of [
      ['{"name":""}', 'name'],
      [JSON.stringify({ name: 'x'.repeat(101) }), 'name'],
      ['{"name":"a","expires_in_days":0}', 'expires_in_days'],
      ['{"name":"a","expires_in_days":1.5}', 'expires_in_days'],
      ['{"name":"a","user_id":"bob"}', ''],
    ] as const) {
      const response = await alice.call('/v1/keys', { method: 'POST', body });
      expect(response.status, body).toBe(400);
      if (param) expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });

  it('stop working when they expire', async () => {
    const { UserApiKeyStore } = await import('../domain/user-api-key-store.js');
    const { apiKey } = await new UserApiKeyStore(h.testRedis.client, h.keys).create('alice', { label: 'short', expiresInMs: 50 });
    expect((await withKey(apiKey, '/v1/me')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await withKey(apiKey, '/v1/me')).status).toBe(401);
  });

  it('service keys keep acting for X-User-ID, and /v1/me says so', async () => {
    const response = await h.request('/v1/me', { user: 'dave' });
    expect(await response.json()).toEqual({ user_id: 'dave', display_name: 'dave', auth_method: 'service_key' });
  });
});
