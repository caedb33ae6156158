import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, TEST_INTERNAL_API_KEY, type TestRedis } from '@bedrock-mcp/test-support';
import { startServiceProcess, waitUntilReady, type ServiceProcess } from '../../tests/e2e/support/service-process.js';

export interface BenchGateway {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  process: ServiceProcess;
  /** Resolves when it answers /readyz. */
  ready(): Promise<void>;
  /** Stops it and deletes its temp folder (conf, log). */
  stop(): Promise<void>;
}

/**
 * The gateway process alone, from its build (BENCH_FROM_SOURCE=1: from source; node arguments from
 * BENCH_GATEWAY_NODE_ARGS), on `redis` and its key prefix, `model` the one model of its conf and
 * `apiKey` its service key. Not waited for: call ready().
 */
export async function launchBenchGateway(redis: TestRedis, options: { apiKey: string; model: string; env?: Record<string, string> }): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'bmcp-bench-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ models: [{ model_id: options.model, model_name: 'bench' }] }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = startServiceProcess(
    'bench-gateway',
    'gateway',
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      CONFIG_PATH: configPath,
      API_KEY: options.apiKey,
      INTERNAL_API_KEY: TEST_INTERNAL_API_KEY,
      MCP_SERVICE_HOST: '127.0.0.1',
      MCP_SERVICE_PORT: String(port),
      ...options.env,
    },
    dir,
    { built: process.env.BENCH_FROM_SOURCE !== '1', nodeArgs: process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) },
  );
  return {
    url,
    port,
    process: gateway,
    ready: () => waitUntilReady(`${url}/readyz`, gateway),
    async stop() {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
