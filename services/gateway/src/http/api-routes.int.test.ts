import { API_ROUTES, type ApiRouteDefinition } from '@bedrock-mcp/contracts';
import express, { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { servedRoutes, startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.js';
import { errorHandler } from './error-handler.js';
import { serve, type RouteHandler } from './serve-route.js';

let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('API_ROUTES and the gateway', () => {
  it('serves every route of the table, and no route that is not in it (Swagger UI files aside)', async () => {
    h = await startGatewayHarness();
    const served = servedRoutes(h).filter((route) => !route.startsWith('GET /docs/'));
    const table = Object.values(API_ROUTES).map((route) => `${route.method} ${route.path}`);
    expect(new Set(table).size).toBe(table.length);
    expect([...served].sort()).toEqual([...table].sort());
  });

  it('marks the seed’s own routes as its dialect', () => {
    const seed = Object.values(API_ROUTES)
      .filter((route: ApiRouteDefinition) => route.dialect === 'seed')
      .map((route) => `${route.method} ${route.path}`);
    expect(seed.sort()).toEqual(
      [
        'GET /v1/list/models',
        'GET /v1/list/mcp_server',
        'POST /v1/add/mcp_server',
        'DELETE /v1/remove/mcp_server/:server_id',
        'POST /v1/remove/history',
        'POST /v1/stop/stream/:stream_id',
      ].sort(),
    );
  });
});

describe('serve', () => {
  const route = {
    method: 'POST',
    path: '/things/:thing_id',
    summary: 'a test route',
    access: 'user',
    params: z.object({ thing_id: z.string().regex(/^[a-z]+$/) }),
    query: z.object({ n: z.coerce.number().int() }),
    request: z.object({ name: z.string().default('none') }),
    answer: 'json',
  } as const satisfies ApiRouteDefinition;

  async function call(handler: RouteHandler<typeof route>, path: string, init: RequestInit = {}) {
    const router = Router();
    serve(router, route, handler);
    const app = express().use(express.json({ type: () => true })).use(router).use(errorHandler({ error: () => undefined } as never));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', ...init });
      const text = await res.text();
      return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as unknown };
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('registers the route’s method and path and parses params, query and body with its schemas', async () => {
    const answer = await call(({ res, params, query, body }) => void res.json({ ...params(), ...query(), ...body() }), '/things/abc?n=7', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(answer).toEqual({ status: 200, body: { thing_id: 'abc', n: 7, name: 'x' } });
    const empty = await call(({ res, body }) => void res.json(body()), '/things/abc');
    expect(empty).toEqual({ status: 200, body: { name: 'none' } });
    const refused = await call(({ res, safeBody }) => void res.json({ ok: safeBody().success }), '/things/abc', { body: JSON.stringify({ name: 5 }) });
    expect(refused).toEqual({ status: 200, body: { ok: false } });
  });

  it('answers a bad parameter 400 naming it, and leaves other methods unserved', async () => {
    const bad = await call(({ res, params }) => void res.json(params()), '/things/ABC');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_request', param: 'thing_id' } });
    expect((await call(({ res }) => void res.json({}), '/things/abc', { method: 'GET' })).status).toBe(404);
  });
});
