import { afterEach, describe, expect, it } from 'vitest';
import { servedRoutes, startGatewayHarness, TEST_MODEL, type GatewayHarness } from './testing/gateway-harness.js';
import type { TurnScript } from './testing/scripted-turn-worker.js';

let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('OpenAPI document and docs', () => {
  it('documents every route the gateway serves, with component schemas from the contracts', async () => {
    h = await startGatewayHarness();
    const document = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(document.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{\w+\}/g, '{}')}`)),
    );
    const served = servedRoutes(h).map((route) => route.replace(/:\w+/g, '{}')).filter((route) => !route.startsWith('GET /docs/'));
    expect(served.length).toBeGreaterThan(10);
    for (const route of [...served, 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /ws/chat', 'GET /ws/user-audio']) expect(documented, route).toContain(route);
    expect(Object.keys(document.components.schemas.ChatCompletionRequest?.properties ?? {})).toEqual(
      expect.arrayContaining(['model', 'messages', 'mcp_server_ids', 'keep_session', 'extra_params', 'stream_format']),
    );
    expect(Object.keys(document.components.schemas.AddMcpServerRequest?.properties ?? {})).toEqual(expect.arrayContaining(['server_id', 'config_json']));
  });

  it('renders /docs with Swagger UI served locally', async () => {
    h = await startGatewayHarness();
    const page = await (await fetch(`${h.url}/docs`)).text();
    expect(page).toContain('/docs/swagger-ui-bundle.js');
    const bundle = await fetch(`${h.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect(await (await fetch(`${h.url}/docs/init.js`)).text()).toContain('/openapi.json');
  });

  it('serves the docs and sign-in paths as Express matches them (any case, a trailing slash), and only those', async () => {
    h = await startGatewayHarness();
    for (const path of ['/OpenAPI.json', '/openapi.json/', '/DOCS', '/docs/']) expect((await fetch(`${h.url}${path}`)).status, path).toBe(200);
    expect(await (await fetch(`${h.url}/Auth/Config/`)).json()).toEqual({ mode: 'local' });
    // Near misses are no docs or sign-in path: the not-found answer, in the API's error shape.
    for (const path of ['/docsx', '/openapi.jsonx', '/auth/configx', '/v1/docs']) {
      const res = await fetch(`${h.url}${path}`);
      expect(res.status, path).toBe(path === '/v1/docs' ? 401 : 404);
      expect(((await res.json()) as { error?: { type?: string } }).error?.type, path).toBeDefined();
    }
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, lets a live stream finish, then closes', async () => {
    h = await startGatewayHarness();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const script: TurnScript = async (job, emit) => {
      await emit({ type: 'round_start', round: 1 });
      await emit({ type: 'text_delta', text: 'still ' });
      await gate;
      await emit({ type: 'text_delta', text: 'streaming' });
      await emit({ type: 'done', finishReason: 'end_turn' });
    };
    h.worker.script = script;
    const res = await h.request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: TEST_MODEL, stream: true, messages: [{ role: 'user', content: 'x' }] }) });
    const reader = res.body!.getReader();
    await reader.read();

    let closed = false;
    const closing = h.gateway.close(10_000).then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    expect(h.gateway.services.isDraining()).toBe(true);
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();

    release();
    let body = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      body += new TextDecoder().decode(value);
    }
    await closing;
    expect(body).toContain('streaming');
    expect(body.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('cuts streams that outlive the drain deadline, without [DONE], so clients resume elsewhere', async () => {
    h = await startGatewayHarness();
    h.worker.script = async (_job, emit) => {
      await emit({ type: 'round_start', round: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    };
    const res = await h.request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: TEST_MODEL, stream: true, messages: [{ role: 'user', content: 'x' }] }) });
    const text = res.text();
    const started = Date.now();
    await h.gateway.close(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await text).not.toContain('[DONE]');
  });
});
