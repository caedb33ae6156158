import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
// @ts-expect-error server.mjs is plain JavaScript without declarations
import { createWebServer } from './server.mjs';

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** A stand-in gateway: echoes what it received; streams SSE slowly; a WebSocket echo that refuses a foreign Origin. */
function startGateway() {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    if (req.url === '/v1/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 300);
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.writeHead(req.url === '/v1/missing' ? 404 : 200, { 'content-type': 'application/json', 'set-cookie': 'bmcp_session=abc; Path=/; HttpOnly' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.origin === 'http://evil.example') {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 7\r\n\r\nrefused');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ type: 'ready', cookie: req.headers.cookie ?? null, forwardedFor: req.headers['x-forwarded-for'] }));
      ws.on('message', (data) => ws.send(`echo:${String(data)}`));
    });
  });
  return { server, seen, wss };
}

describe('web server: one origin for the UI and the gateway', () => {
  const gateway = startGateway();
  let web: Server;
  let webUrl: string;
  let distDir: string;
  let deadGatewayWeb: Server;
  let deadUrl: string;

  beforeAll(async () => {
    distDir = mkdtempSync(join(tmpdir(), 'bmcp-web-test-'));
    writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>chat</title>');
    const gatewayPort = await listen(gateway.server);
    web = createWebServer({ distDir, gatewayUrl: `http://127.0.0.1:${gatewayPort}` }) as Server;
    webUrl = `http://127.0.0.1:${await listen(web)}`;
    // Nothing listens on port 9 (discard): a gateway that is down.
    deadGatewayWeb = createWebServer({ distDir, gatewayUrl: 'http://127.0.0.1:9' }) as Server;
    deadUrl = `http://127.0.0.1:${await listen(deadGatewayWeb)}`;
  });
  afterAll(async () => {
    gateway.wss.close();
    await Promise.all([close(web), close(deadGatewayWeb), close(gateway.server)]);
    rmSync(distDir, { recursive: true, force: true });
  });

  it('forwards /v1 requests with method, body, cookies and status, and sets X-Forwarded-* itself', async () => {
    const response = await fetch(`${webUrl}/v1/keys?x=1`, {
      method: 'POST',
      body: '{"name":"ci"}',
      headers: { 'content-type': 'application/json', cookie: 'bmcp_session=s1', 'x-csrf-token': 't', 'x-forwarded-for': '6.6.6.6' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toContain('bmcp_session=abc');
    const echoed = (await response.json()) as { method: string; url: string; body: string; headers: Record<string, string> };
    expect(echoed).toMatchObject({ method: 'POST', url: '/v1/keys?x=1', body: '{"name":"ci"}' });
    expect(echoed.headers).toMatchObject({ cookie: 'bmcp_session=s1', 'x-csrf-token': 't', 'x-forwarded-proto': 'http', 'x-forwarded-for': '127.0.0.1' });
    expect(echoed.headers['x-forwarded-host']).toBe(new URL(webUrl).host);
    expect((await fetch(`${webUrl}/v1/missing`)).status).toBe(404);
  });

  it('forwards /auth, /docs and /openapi.json, and still serves the UI under /chat', async () => {
    for (const path of ['/auth/login?return_to=/chat/', '/auth/config', '/docs', '/docs/swagger-ui.css', '/openapi.json']) {
      const echoed = (await (await fetch(`${webUrl}${path}`, { redirect: 'manual' })).json()) as { url: string };
      expect(echoed.url).toBe(path);
    }
    const page = await fetch(`${webUrl}/chat/`);
    expect(await page.text()).toContain('<title>chat</title>');
    expect((await fetch(`${webUrl}/v2/nothing`)).status).toBe(404);
  });

  it('streams Server-Sent Events as they come, not when the answer ends', async () => {
    const started = Date.now();
    const response = await fetch(`${webUrl}/v1/stream`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    expect(Date.now() - started).toBeLessThan(250);
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: two\n\n');
  });

  it('proxies WebSocket upgrades on /ws/ both ways, with the cookie and Origin', async () => {
    const ws = new WebSocket(`${webUrl.replace('http', 'ws')}/ws/chat`, { headers: { cookie: 'bmcp_session=s1', origin: webUrl } });
    const messages: string[] = [];
    const ready = new Promise<void>((resolve) => ws.on('message', (data) => (messages.push(String(data)), messages.length === 2 && resolve())));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('hello');
    await ready;
    expect(JSON.parse(messages[0]!)).toEqual({ type: 'ready', cookie: 'bmcp_session=s1', forwardedFor: '127.0.0.1' });
    expect(messages[1]).toBe('echo:hello');
    ws.close();
  });

  it('passes the gateway’s refusal of an upgrade through (403 before the handshake), and answers 404 for other upgrade paths', async () => {
    const status = (url: string, origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers: { origin } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await status(`${webUrl.replace('http', 'ws')}/ws/chat`, 'http://evil.example')).toBe(403);
    expect(await status(`${webUrl.replace('http', 'ws')}/chat/`, webUrl)).toBe(404);
  });

  it('answers 502 with an OpenAI error body when the gateway is down, and 502 to an upgrade', async () => {
    const response = await fetch(`${deadUrl}/v1/me`);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${deadUrl.replace('http', 'ws')}/ws/chat`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(502);
  });
});
