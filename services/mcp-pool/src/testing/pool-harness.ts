import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createRedis, loadConfig, McpPoolSettingsSchema, requireInternalApiKey, type Logger, type Redis } from '@bedrock-mcp/common';
import { createUserServerStore, type UserServerStore } from '@bedrock-mcp/config-store';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { startTestRedis, TEST_INTERNAL_API_KEY, type TestRedis } from '@bedrock-mcp/test-support';
import { startPoolService, type PoolService } from '../pool-service.js';
import { fixturePath, PROJECT_ROOT } from './processes.js';

/** conf/config.json for pool tests: real servers from npm plus the stubborn fixture. */
export function testConf(extraServers: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    models: [{ model_id: 'test-model', model_name: 'Test model' }],
    mcpServers: {
      everything: { command: 'mcp-server-everything', args: ['stdio'], description: 'reference server' },
      fs: { command: 'mcp-server-filesystem', args: ['${USER_WORKSPACE}'] },
      stubborn: { command: 'node', args: [fixturePath('stubborn-server.mjs')] },
      broken: { command: 'node', args: ['-e', "console.error('broken: cannot start, missing credentials'); process.exit(2)"] },
      ...extraServers,
    },
    userServerCatalog: {
      everything: { command: 'mcp-server-everything', args: ['stdio'], env_keys: ['DEMO_API_KEY'] },
    },
  };
}

export interface TestPoolOptions {
  label: string;
  /** Environment on top of the test defaults (short timers, test Redis prefix, temp conf). */
  env?: Record<string, string>;
  conf?: Record<string, unknown>;
  /** What stdio servers inherit from (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Keep every log line (debug level and up) in `logs` instead of discarding them. */
  captureLogs?: boolean;
  /** The platform's folder (holding conf/ and package.json); default this repository. */
  projectRoot?: string;
  /** false: no per-server cgroups (the RLIMIT_NPROC path); default: where they can be made. */
  serverCgroups?: boolean;
}

export interface TestPool {
  service: PoolService;
  client: PoolClient;
  store: UserServerStore;
  redis: Redis;
  testRedis: TestRedis;
  workspacesDir: string;
  logger: Logger;
  /** Log lines (JSON), when captureLogs was set. */
  logs: string[];
  /** Current value of a metric (summed over labels matching `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** Environment for a pool under test: fast timers, its own Redis prefix, temp conf and workspaces. */
/** The test pools' SECRETS_KEY: what a test seals request servers' secrets with, as the gateway would. */
export const TEST_POOL_SECRETS_KEY = 'pool-test-secrets-key-0123456789abcdef';

export function testPoolEnv(testRedis: TestRedis, dir: string, conf: Record<string, unknown>, env: Record<string, string> = {}): Record<string, string> {
  const confPath = join(dir, 'config.json');
  writeFileSync(confPath, JSON.stringify(conf));
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CONFIG_PATH: confPath,
    REDIS_URL: testRedis.url,
    REDIS_PREFIX: testRedis.prefix,
    USER_WORKSPACES_DIR: join(dir, 'workspaces'),
    MCP_POOL_HOST: '127.0.0.1',
    MCP_STOP_GRACE_MS: '200',
    POOL_CONFIG_CACHE_MS: '0',
    POOL_HEARTBEAT_MS: '200',
    MCP_START_TIMEOUT_MS: '15000',
    SECRETS_KEY: TEST_POOL_SECRETS_KEY,
    INTERNAL_API_KEY: TEST_INTERNAL_API_KEY,
    ...env,
  };
}

/** A pool in this process on a free port, with the real Redis store, reached through PoolClient. */
export async function startTestPool(options: TestPoolOptions): Promise<TestPool> {
  const testRedis = await startTestRedis(`pool-${options.label}`);
  const dir = mkdtempSync(join(tmpdir(), 'mcp-pool-test-'));
  const env = testPoolEnv(testRedis, dir, options.conf ?? testConf(), options.env);
  const config = loadConfig({ schema: McpPoolSettingsSchema, env, cwd: options.projectRoot ?? PROJECT_ROOT, readDotenv: false });
  const logs: string[] = [];
  const logger = options.captureLogs
    ? createLogger({ service: `mcp-pool-test-${options.label}`, level: 'debug', destination: { write: (line: string) => void logs.push(line) } })
    : createLogger({ service: `mcp-pool-test-${options.label}`, level: config.settings.LOG_LEVEL });
  const redis = createRedis(testRedis.url, 'mcp-pool-test');
  const store = createUserServerStore({ settings: config.settings, redis, logger });
  const service = await startPoolService({ config, redis, store, logger, port: 0, ...(options.parentEnv ? { parentEnv: options.parentEnv } : {}), ...(options.serverCgroups === false ? { serverCgroups: false } : {}) });
  const client = new PoolClient({ baseUrl: service.url, internalApiKey: requireInternalApiKey(config.settings) });
  let closing: Promise<void> | undefined;
  return {
    service,
    client,
    store,
    redis,
    testRedis,
    workspacesDir: join(dir, 'workspaces'),
    logger,
    logs,
    metric: (name, labels) => metricValue(service, name, labels),
    close: () => {
      closing ??= (async () => {
        await service.close();
        await store.close();
        redis.disconnect();
        await testRedis.close();
        rmSync(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** A counter's or gauge's value, or a histogram's `_count` / `_sum` series by that name; summed over matching labels. */
async function metricValue(service: PoolService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await (service.registry.getSingleMetric(name) ?? service.registry.getSingleMetric(name.replace(/_(count|sum)$/, '')))?.get();
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.values
    .filter((value) => Object.entries(labels).every(([label, expected]) => String((value.labels as Record<string, unknown>)[label]) === expected))
    .filter((value) => !('metricName' in value) || value.metricName === name || value.metricName === undefined)
    .reduce((sum, value) => sum + value.value, 0);
}

