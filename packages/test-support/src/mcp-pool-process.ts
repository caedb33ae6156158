import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfigFile } from '@bedrock-mcp/contracts';
import { freePort } from './free-port.js';
import { TEST_INTERNAL_API_KEY } from './internal-api-key.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface PoolProcess {
  url: string;
  /** The INTERNAL_API_KEY it requires (a PoolClient for it needs this). */
  internalApiKey: string;
  /** Last lines of its output, for failure messages. */
  output(): string;
  /** SIGTERM, SIGKILL after 5 s; removes its temp folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A real mcp-pool process from source on a free loopback port, serving the global MCP servers of
 * `app` (a service under test that lists servers must be given the same ones), against the test's
 * Redis prefix. It requires `internalApiKey` (default TEST_INTERNAL_API_KEY) from its callers.
 */
export async function startMcpPoolProcess(options: { redisUrl: string; redisPrefix: string; app: AppConfigFile; internalApiKey?: string }): Promise<PoolProcess> {
  const internalApiKey = options.internalApiKey ?? TEST_INTERNAL_API_KEY;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-pool-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(options.app));
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(PROJECT_ROOT, 'services/mcp-pool/src/main.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.redisPrefix,
      MCP_POOL_HOST: '127.0.0.1',
      MCP_POOL_PORT: String(port),
      CONFIG_PATH: configPath,
      USER_WORKSPACES_DIR: join(dir, 'workspaces'),
      SECRETS_KEY: 'test-support-secrets-key-0123456789',
      INTERNAL_API_KEY: internalApiKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 100));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  const pool: PoolProcess = {
    url: `http://127.0.0.1:${port}`,
    internalApiKey,
    output: () => lines.join('\n'),
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${pool.url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return pool;
    if (child.exitCode !== null || Date.now() > deadline) {
      await pool.stop();
      throw new Error(`mcp-pool did not start:\n${pool.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
