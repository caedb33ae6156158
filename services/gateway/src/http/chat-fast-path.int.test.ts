import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { UserApiKeyStore } from '../domain/user-api-key-store.js';
import { SERVICE_KEY, startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';
import { withChatFastPath } from './chat-fast-path.js';
import type { PlainMiddleware } from './plain-http.js';

const gzip = (text: string) => new Uint8Array(gzipSync(text));

describe('withChatFastPath', () => {
  const served: string[] = [];
  /** Requests whose stream ran to its end once the handler had the body. */
  let requestsEnded = 0;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    // The second goes on a tick later, as authentication does: by then a small body is buffered.
    const step =
      (name: string): PlainMiddleware =>
      (_req, _res, next) => {
        served.push(name);
        if (name === 'second') void Promise.resolve().then(() => next());
        else next();
      };
    app.use((req, res) => {
      served.push('app');
      res.json({ via: 'app', path: req.path });
    });
    const listener = withChatFastPath(app, {
      middleware: [step('first'), step('second')],
      parseJson: express.json({ type: () => true }),
      maxBodyBytes: 1024,
      handle: async (req, res) => {
        served.push('handler');
        if (req.readableEnded) requestsEnded += 1;
        else req.once('end', () => (requestsEnded += 1));
        if ((req.body as { fail?: boolean } | undefined)?.fail) throw new Error('handler failed');
        const express = Object.getPrototypeOf(req) === app.request || Object.getPrototypeOf(res) === app.response;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ via: 'fast', body: req.body, route: req.route?.path, locals: typeof res.locals, express }));
      },
      // express's own response methods: a failure reaches the error handler on express's prototypes.
      onError: (error: unknown, _req, res, _next) => {
        res.status(400).json({ via: 'fast', error: String(error) });
      },
    });
    server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${url}${path}`, { method: 'POST', headers, body }).then(async (res) => ({ status: res.status, json: (await res.json()) as Record<string, unknown> }));

  it('reads a body that came with its headers at once and one sent in pieces as it arrives, several on one keep-alive connection', async () => {
    const endedBefore = requestsEnded;
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.setEncoding('utf8');
    let received = '';
    socket.on('data', (chunk: string) => (received += chunk));
    const answers = () => received.match(/\{"via":"fast","body":[^\n]*?"express":false\}/g) ?? [];
    const head = (body: string) => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    for (const [index, body] of ['{"n":1}', '{"n":2}'].entries()) {
      socket.write(head(body) + body);
      await expect.poll(answers).toHaveLength(index + 1);
    }
    const split = '{"n":3,"text":"in two pieces"}';
    socket.write(head(split) + split.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answers()).toHaveLength(2);
    socket.write(split.slice(10));
    await expect.poll(answers).toHaveLength(3);
    expect(answers().map((answer) => (JSON.parse(answer) as { body: unknown }).body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3, text: 'in two pieces' }]);
    // A body taken from the buffer leaves its request stream to end as one read from the events does.
    await expect.poll(() => requestsEnded - endedBefore).toBe(3);
    socket.destroy();
  });

  it('serves POST on the exact path itself: the middleware in order, then the handler on express request and response', async () => {
    served.length = 0;
    const res = await post('/v1/chat/completions', '{"a":1}');
    expect(res).toEqual({ status: 200, json: { via: 'fast', body: { a: 1 }, route: '/v1/chat/completions', locals: 'object', express: false } });
    expect(served).toEqual(['first', 'second', 'handler']);
  });

  it("hands a failure to the app's error handler, on express's request and response", async () => {
    expect(await post('/v1/chat/completions', '{"fail":true}')).toEqual({ status: 400, json: { via: 'fast', error: 'Error: handler failed' } });
  });

  it('reads bodies it does not parse itself through the app parser: other JSON values, other types, encodings', async () => {
    expect((await post('/v1/chat/completions', '[1]')).json.body).toEqual([1]);
    expect((await post('/v1/chat/completions', ' {"b":2}', { 'content-type': 'text/plain' })).json.body).toEqual({ b: 2 });
    expect((await post('/v1/chat/completions', gzip('{"c":3}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).json.body).toEqual({ c: 3 });
    expect(await post('/v1/chat/completions', '{"d":')).toMatchObject({ status: 400, json: { via: 'fast' } });
  });

  it('leaves every other request to the app: other methods, case, a trailing slash, a query', async () => {
    for (const path of ['/V1/chat/completions', '/v1/chat/completions/', '/v1/chat/completions?x=1', '/v1/chat/completionsx']) {
      expect((await post(path, '{}')).json.via).toBe('app');
    }
    expect(((await (await fetch(`${url}/v1/chat/completions`)).json()) as { via: string }).via).toBe('app');
  });
});

/**
 * The same requests on the fast path (the exact path) and on express's route (the path with a
 * trailing slash, which express matches as the same route) get the same answers.
 */
describe('the chat route on both paths', () => {
  let h: GatewayHarness;
  let aliceKey: string;
  beforeAll(async () => {
    h = await startGatewayHarness({ env: { MAX_BODY_BYTES: '4096', CORS_ORIGINS: 'http://ui.example', RATE_LIMIT_PER_MINUTE: '1000' } });
    aliceKey = (await new UserApiKeyStore(h.testRedis.client, h.keys).create('alice')).apiKey;
  });
  afterAll(async () => {
    await h?.close();
  });

  const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hello there' }], ...extra });
  const SHOWN_HEADERS = ['content-type', 'access-control-allow-origin', 'access-control-expose-headers', 'vary', 'x-ratelimit-limit-requests', 'x-should-retry', 'cache-control'];

  /** Status, the headers that matter, and the body with the turn's id and time taken out. */
  async function answer(path: string, init: { body?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string> }) {
    const res = await fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { origin: 'http://ui.example', authorization: `Bearer ${SERVICE_KEY}`, 'x-user-id': 'fast-path-user', 'content-type': 'application/json', ...init.headers },
      body: init.body,
    });
    const text = (await res.text()).replace(/chatcmpl-[\w-]+/g, '<id>').replace(/"created":\d+/g, '"created":0');
    return {
      status: res.status,
      headers: Object.fromEntries(SHOWN_HEADERS.map((name) => [name, res.headers.get(name)])),
      streamId: res.headers.get('x-stream-id')?.startsWith('chatcmpl-') ?? false,
      text,
    };
  }

  type Case = { status: number; body?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string> };
  /** Each request, and the status both paths must answer it with. */
  const cases = (): Record<string, Case> => ({
    'a completion': { status: 200, body: chatBody() },
    'a stream': { status: 200, body: chatBody({ stream: true }) },
    'a gzip-encoded request': { status: 200, body: gzip(chatBody()), headers: { 'content-encoding': 'gzip' } },
    'an empty Authorization header': { status: 401, body: chatBody(), headers: { authorization: '', 'x-user-id': '' } },
    'a wrong key': { status: 401, body: chatBody(), headers: { authorization: 'Bearer wrong' } },
    "a personal key acting for another user": { status: 403, body: chatBody(), headers: { authorization: `Bearer ${aliceKey}`, 'x-user-id': 'bob' } },
    'a malformed X-User-ID': { status: 400, body: chatBody(), headers: { 'x-user-id': '../etc' } },
    'malformed JSON': { status: 400, body: '{"model": ' },
    'a JSON array': { status: 400, body: '[]' },
    'a schema error': { status: 400, body: JSON.stringify({ model: TEST_MODEL, messages: 'x' }) },
    'an unknown model': { status: 404, body: chatBody({ model: 'no.such-model' }) },
    'a body over MAX_BODY_BYTES': { status: 413, body: chatBody({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }) },
  });

  for (const name of Object.keys(cases())) {
    it(`answers ${name} the same`, async () => {
      const { status, ...init } = cases()[name]!;
      const fast = await answer('/v1/chat/completions', init);
      const routed = await answer('/v1/chat/completions/', init);
      expect(fast).toEqual(routed);
      expect(fast.status).toBe(status);
      expect(fast.text).not.toContain('Unknown route');
    });
  }

  it('counts a turn on the fast path under the route in the request metrics, as the router does', async () => {
    const counted = async () => {
      const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
      return Number(/gateway_http_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    };
    const before = await counted();
    expect((await answer('/v1/chat/completions', { body: chatBody() })).status).toBe(200);
    expect((await answer('/v1/chat/completions/', { body: chatBody() })).status).toBe(200);
    await expect.poll(counted).toBe(before + 2);
  });
});
