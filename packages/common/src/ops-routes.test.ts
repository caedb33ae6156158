import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InternalCredential } from './internal-credential.js';
import { createMetricsRegistry, createOpsHandler, type OpsRoutesOptions } from './ops-routes.js';

const INTERNAL_KEY = 'ops-routes-test-internal-key-0123456789';
const withKey = { headers: { authorization: `Bearer ${INTERNAL_KEY}` } };

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(options: Partial<OpsRoutesOptions>): Promise<string> {
  const handler = createOpsHandler({ registry: createMetricsRegistry('test'), metricsCredential: new InternalCredential(INTERNAL_KEY), readiness: {}, ...options });
  server = createServer((req, res) => void handler(req, res).then((handled) => handled || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('ops routes', () => {
  it('answers /healthz, /metrics and passes other paths on', async () => {
    const base = await serve({});
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${base}/metrics`, withKey)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toContain('service="test"');
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it('refuses /metrics with 401 to a caller without the internal key, or with another one', async () => {
    const base = await serve({});
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer another-key-of-the-same-kind-0123456789' }, { authorization: INTERNAL_KEY }, { authorization: `Basic ${INTERNAL_KEY}` }]) {
      const response = await fetch(`${base}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      const body = (await response.json()) as { error: { code: string; type: string } };
      expect(body.error).toMatchObject({ code: 'unauthorized', type: 'authentication_error' });
    }
    // The probes stay open.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
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
