import { join } from 'node:path';
import { freePort, type TestRedis } from '@bedrock-mcp/test-support';

/** The ports `scripts/start-all.mjs` reads, each a free one. */
export async function freeStartAllPorts(): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const name of ['MCP_SERVICE_PORT', 'MCP_POOL_PORT', 'AGENT_WORKER_PORT', 'WEB_PORT']) ports[name] = await freePort();
  return ports;
}

/**
 * The environment `scripts/start-all.mjs` gets in these tests: only what a fresh shell has (PATH,
 * HOME), plus the free `ports`, the test Redis and its key prefix, the workspaces under `dir`, no
 * EC2 metadata look-ups, and `envFile` as the .env.
 */
export function startAllEnv(options: { ports: Record<string, number>; redis: TestRedis; dir: string; envFile: string }): Record<string, string> {
  const { ports, redis, dir, envFile } = options;
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    MCP_POOL_URL: `http://127.0.0.1:${ports.MCP_POOL_PORT}`,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    USER_WORKSPACES_DIR: join(dir, 'workspaces'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ENV_FILE: envFile,
  };
}
