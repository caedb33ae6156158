import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, createOpsHandler, type OpsRoutesOptions } from './ops-routes.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(options: Partial<OpsRoutesOptions>): Promise<string> {
  const handler = createOpsHandler({ registry: createMetricsRegistry('test'), readiness: {}, ...options });
  server = createServer((req, res) => void handler(req, res).then((handled) => handled || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('ops routes', () => {
  it('answers /healthz, /metrics and passes other paths on', async () => {
    const base = await serve({});
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toContain('service="test"');
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it('reports each failing or slow dependency on /readyz with 503', async () => {
    const base = await serve({
      readinessTimeoutMs: 50,
      readiness: { redis: async () => 'PONG', store: () => Promise.reject(new Error('table missing')), slow: () => new Promise(() => {}) },
    });
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { redis: 'ok', store: 'table missing', slow: 'timed out after 50 ms' } });
  });

  it('answers 503 draining on /readyz during shutdown', async () => {
    const base = await serve({ isDraining: () => true });
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { status: string }).status).toBe('draining');
  });
});
