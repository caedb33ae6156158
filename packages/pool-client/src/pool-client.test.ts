import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { PoolClient, PoolClientError, type ToolProgress } from './pool-client.js';

// The real pool is exercised through this client by services/mcp-pool's integration tests; these
// cover the wire edge cases a well-behaved pool rarely produces (split lines, broken bodies, aborts).
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler;
let server: Server;
let baseUrl: string;
const connections = new Set<unknown>();
const closedRequests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
    res.on('close', () => {
      if (!res.writableFinished) closedRequests.push(req.url ?? '');
    });
  });
  server.on('connection', (socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const INTERNAL_KEY = 'pool-client-test-internal-key-0123456789';
const result = { content: [{ type: 'text', text: 'ok' }], isError: false, truncatedBytes: 0 };
const call = { serverId: 'everything', toolName: 'echo', arguments: {} };

describe('PoolClient', () => {
  it('streams progress lines split across chunks, returns the result, and reuses one kept-alive connection', async () => {
    handler = (req, res, body) => {
      expect(req.url).toBe('/v1/users/u%201/call');
      expect(req.headers.authorization).toBe(`Bearer ${INTERNAL_KEY}`);
      expect(JSON.parse(body)).toEqual(call);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const text = `${JSON.stringify({ type: 'progress', progress: 1, total: 2 })}\n${JSON.stringify({ type: 'progress', progress: 2, total: 2, message: 'm' })}\n${JSON.stringify({ type: 'result', result, durationMs: 3 })}\n`;
      res.write(text.slice(0, 10));
      setTimeout(() => res.write(text.slice(10, 50)), 5);
      setTimeout(() => res.end(text.slice(50)), 10);
    };
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl: `${baseUrl}/`, callSocket: false });
    const before = connections.size;
    for (let i = 0; i < 3; i++) {
      const progress: ToolProgress[] = [];
      const answer = await client.callTool('u 1', call, { onProgress: (update) => progress.push(update) });
      expect(answer).toEqual({ result, durationMs: 3 });
      expect(progress).toEqual([
        { progress: 1, total: 2, message: undefined },
        { progress: 2, total: 2, message: 'm' },
      ]);
    }
    expect(connections.size - before).toBe(1);
    client.close();
  });

  it('turns an error line and an error status into PoolClientError with the contract code', async () => {
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl, callSocket: false });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(`${JSON.stringify({ type: 'progress', progress: 1 })}\n${JSON.stringify({ type: 'error', error: { code: 'timeout', message: 'too slow' } })}\n`);
    };
    await expect(client.callTool('u', call)).rejects.toMatchObject({ name: 'PoolClientError', code: 'timeout', message: 'too slow' });
    handler = (_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'tool_not_found', message: 'no tool' } }));
    await expect(client.callTool('u', call)).rejects.toMatchObject({ code: 'tool_not_found', status: 404 });
    await expect(client.ensureServer('u', 's')).rejects.toMatchObject({ code: 'tool_not_found', status: 404 });
    client.close();
  });

  it('reports answers outside the contract as internal errors', async () => {
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl, callSocket: false });
    handler = (_req, res) => res.writeHead(502).end('Bad Gateway from a proxy');
    await expect(client.listServers('u')).rejects.toMatchObject({ code: 'internal', status: 502, message: expect.stringContaining('Bad Gateway') });
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"type":"result","result":"not a result"}\n');
    await expect(client.callTool('u', call)).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('not the contract') });
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(`${JSON.stringify({ type: 'progress', progress: 1 })}\n`);
    await expect(client.callTool('u', call)).rejects.toThrow('without a result');
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"servers": "nope"}');
    await expect(client.listServers('u')).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('unexpected body') });
    client.close();
  });

  it('aborting a call closes its request (which cancels it at the pool) and rejects with the abort reason', async () => {
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl, callSocket: false });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ type: 'progress', progress: 1 })}\n`);
    };
    const abort = new AbortController();
    const pending = client.callTool('u', call, { signal: abort.signal, onProgress: () => abort.abort() });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => closedRequests.includes('/v1/users/u/call')).toBe(true);
    client.close();
  });

  it('retries once on a fresh connection when a kept-alive one was closed under the request', async () => {
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl, callSocket: false });
    const seen = new WeakSet<object>();
    let drops = 0;
    handler = (req, res) => {
      if (seen.has(req.socket)) {
        // Like a server whose keep-alive timeout closed the connection as the request arrived.
        drops += 1;
        req.socket.destroy();
        return;
      }
      seen.add(req.socket);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ servers: [] }));
    };
    expect(await client.listServers('u')).toEqual([]);
    expect(await client.listServers('u')).toEqual([]);
    expect(drops).toBe(1);
    client.close();
  });

  it('times out other requests after requestTimeoutMs with a TimeoutError', async () => {
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl, requestTimeoutMs: 100 });
    handler = () => undefined;
    await expect(client.catalog('u', ['a'])).rejects.toMatchObject({ name: 'TimeoutError' });
    client.close();
  });

  it('calls over HTTP when the pool has no call socket, trying the socket again only after a pause', async () => {
    let upgrades = 0;
    handler = (req, res) => {
      if (req.url === '/v1/calls') {
        upgrades += 1;
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(`${JSON.stringify({ type: 'result', result, durationMs: 1 })}\n`);
    };
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl });
    for (let i = 0; i < 5; i++) {
      expect(await client.callTool('u', call)).toEqual({ result, durationMs: 1 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(upgrades).toBe(1);
    client.close();
  });

  it('makes calls over HTTP that a pool going away (1001) left unanswered on the socket', async () => {
    const sockets = new WebSocketServer({ noServer: true });
    const frames: unknown[] = [];
    sockets.on('connection', (ws) =>
      ws.on('message', (data) => {
        frames.push(JSON.parse(data.toString()));
        ws.close(1001, 'shutting down');
      }),
    );
    const upgradeAuthorizations: unknown[] = [];
    const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgradeAuthorizations.push(req.headers.authorization);
      sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws));
    };
    server.on('upgrade', upgrade);
    let httpCalls = 0;
    handler = (_req, res) => {
      httpCalls += 1;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(`${JSON.stringify({ type: 'result', result, durationMs: 1 })}\n`);
    };
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl });
    try {
      await client.callTool('u', call); // over HTTP while the socket connects
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await client.callTool('u', call)).toEqual({ result, durationMs: 1 });
      expect(frames).toEqual([{ type: 'call', id: 0, userId: 'u', request: call }]);
      expect(upgradeAuthorizations).toEqual([`Bearer ${INTERNAL_KEY}`]);
      expect(httpCalls).toBe(2);
    } finally {
      client.close();
      server.off('upgrade', upgrade);
      sockets.close();
    }
  });

  it('calls over the socket once it is open: rerouted users over HTTP, the pool\'s errors as PoolClientError', async () => {
    const sockets = new WebSocketServer({ noServer: true });
    sockets.on('connection', (ws) =>
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { id: number; userId: string };
        if (frame.userId === 'elsewhere') ws.send(JSON.stringify({ type: 'reroute', id: frame.id }));
        else if (frame.userId === 'failing') ws.send(JSON.stringify({ type: 'error', id: frame.id, error: { code: 'tool_not_found', message: 'no tool' } }));
        else ws.send(JSON.stringify({ type: 'result', id: frame.id, result, durationMs: 2 }));
      }),
    );
    const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws));
    server.on('upgrade', upgrade);
    const httpUrls: string[] = [];
    handler = (req, res) => {
      httpUrls.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(`${JSON.stringify({ type: 'result', result, durationMs: 1 })}\n`);
    };
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl });
    try {
      expect(await client.callTool('here', call)).toEqual({ result, durationMs: 1 }); // over HTTP while the socket connects
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await client.callTool('here', call)).toEqual({ result, durationMs: 2 });
      expect(await client.callTool('elsewhere', call)).toEqual({ result, durationMs: 1 });
      await expect(client.callTool('failing', call)).rejects.toMatchObject({ name: 'PoolClientError', code: 'tool_not_found', message: 'no tool', status: 404 });
      expect(httpUrls).toEqual(['/v1/users/here/call', '/v1/users/elsewhere/call']);
    } finally {
      client.close();
      server.off('upgrade', upgrade);
      sockets.close();
    }
  });

  it('needs the internal key to be built', () => {
    expect(() => new PoolClient({ baseUrl, internalApiKey: '' })).toThrow(/INTERNAL_API_KEY/);
  });

  it('rejects with the network error when the pool cannot be reached', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new PoolClient({ internalApiKey: INTERNAL_KEY, baseUrl: `http://127.0.0.1:${port}` });
    const error = await client.callTool('u', call).catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(PoolClientError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    client.close();
  });
});
