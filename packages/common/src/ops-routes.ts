import type { IncomingMessage, ServerResponse } from 'node:http';
import { openAiErrorBody } from '@bedrock-mcp/contracts';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { InternalCredential } from './internal-credential.js';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A per-service Prometheus registry with Node's default metrics, labelled with the service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Each named dependency check resolves when reachable and rejects (or times out) otherwise. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface OpsRoutesOptions {
  registry: Registry;
  /** `/metrics` answers only callers presenting it (metrics carry user ids); others get 401. */
  metricsCredential: InternalCredential;
  readiness: ReadinessChecks;
  /** Per check, milliseconds. */
  readinessTimeoutMs?: number;
  /** While draining on SIGTERM, /readyz answers 503 so load balancers stop sending work. */
  isDraining?: () => boolean;
}

/** The paths the ops handler answers (GET and HEAD only). */
export const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;
const [HEALTHZ, READYZ, METRICS] = OPS_PATHS;

/**
 * `/healthz` (alive), `/readyz` (dependencies reachable), `/metrics` (Prometheus text, for callers
 * presenting the internal credential: Prometheus sends it as a bearer token), as a
 * plain node:http handler: returns true when it answered the request. Express mounts it as
 * middleware; services without Express call it from their own server.
 */
export function createOpsHandler(options: OpsRoutesOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const timeoutMs = options.readinessTimeoutMs ?? 2000;
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTHZ) {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === READYZ) {
      const checks = await runChecks(options.readiness, timeoutMs);
      const draining = options.isDraining?.() ?? false;
      const ok = !draining && Object.values(checks).every((check) => check === 'ok');
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : draining ? 'draining' : 'unavailable', checks });
      return true;
    }
    if (path === METRICS) {
      if (!options.metricsCredential.accepts(req)) {
        sendJson(res, 401, openAiErrorBody('unauthorized', '/metrics requires the internal credential: Authorization: Bearer <INTERNAL_API_KEY>'), { 'www-authenticate': 'Bearer' });
        return true;
      }
      res.writeHead(200, { 'content-type': options.registry.contentType });
      res.end(await options.registry.metrics());
      return true;
    }
    return false;
  };
}

async function runChecks(checks: ReadinessChecks, timeoutMs: number): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, (error as Error).message || 'failed'] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
