import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.js';

// The harness binds loopback and configures no identity provider: AUTH_MODE=auto means local.
let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ env: { LOCAL_USER_ID: 'me', WEB_PORT: '3100' } });
});
afterAll(async () => {
  await h?.close();
});

describe('the embedded default: one local user on loopback, no identity provider', () => {
  it('says so to the UI, and signs the browser in with no input', async () => {
    expect(await (await fetch(`${h.url}/auth/config`)).json()).toEqual({ mode: 'local' });
    expect((await fetch(`${h.url}/v1/me`)).status).toBe(401);
    const login = await fetch(`${h.url}/auth/login?return_to=/chat/`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/chat/');
    const setCookie = login.headers.getSetCookie()[0]!;
    expect(setCookie).toMatch(/^bmcp_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
    const cookie = setCookie.split(';')[0]!;
    const me = await fetch(`${h.url}/v1/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ user_id: 'me', display_name: 'me', auth_method: 'local', csrf_token: expect.any(String) });
    expect((await fetch(`${h.url}/auth/login?return_to=//evil.example/`, { redirect: 'manual' })).headers.get('location')).toBe('/chat/');
  });

  it('accepts the WebSocket from the UI at localhost or 127.0.0.1 on WEB_PORT only', async () => {
    const login = await fetch(`${h.url}/auth/login`, { redirect: 'manual' });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const outcome = (origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(h.wsUrl, { headers: { cookie, origin } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('message', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await outcome('http://localhost:3100')).toBe(101);
    expect(await outcome('http://127.0.0.1:3100')).toBe(101);
    expect(await outcome('http://127.0.0.1:3101')).toBe(403);
    expect(await outcome('http://evil.example')).toBe(403);
  });

  it('a callback without an identity provider is a clear 404 page', async () => {
    const response = await fetch(`${h.url}/auth/callback?code=x&state=y`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('not configured');
  });
});

describe('a WebSocket upgrade reset while its cookie is checked', () => {
  it('does not take the gateway down', async () => {
    const { port } = new URL(h.url);
    for (let i = 0; i < 40; i += 1) {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://localhost:3100\r\nCookie: bmcp_session=${'C'.repeat(43)}\r\n\r\n`,
      );
      // An RST, not a FIN: the gateway's next read or write on it fails with ECONNRESET / EPIPE.
      setTimeout(() => socket.resetAndDestroy(), i % 4);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});
