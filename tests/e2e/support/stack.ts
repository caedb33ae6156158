import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisKeys, type RedisKeys } from '@bedrock-mcp/common';
import { AppConfigFileSchema, type AppConfigFile } from '@bedrock-mcp/contracts';
import { freePort, startModelEmulator, startTestRedis, TEST_INTERNAL_API_KEY, type ModelEmulator, type ModelEmulatorOptions, type TestRedis } from '@bedrock-mcp/test-support';
import { createTurnKeys, type TurnKeys } from '@bedrock-mcp/turns';
import type { z } from 'zod';
import { startServiceProcess, waitUntilReady, type ServiceProcess } from './service-process.js';

/** The Bedrock model the stack's conf lists first (Claude: thinking supported). */
export const STACK_MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
/** A Nova model (no thinking) and the emulator's OpenAI-compatible model. */
export const STACK_NOVA_MODEL = 'us.amazon.nova-pro-v1:0';
export const STACK_OPENAI_MODEL = 'emulator-model';
const STACK_API_KEY = 'e2e-service-key';

export interface StackOptions {
  /** Names the Redis key prefix and the temp folder. */
  label?: string;
  /** Agent worker processes. Default 1. */
  workers?: number;
  /** Gateway processes, each on its own port, all on the same Redis. Default 1. */
  gateways?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Extra environment per service. */
  gatewayEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  poolEnv?: Record<string, string>;
  /** Replaces parts of the generated conf/config.json. */
  app?: Partial<z.input<typeof AppConfigFileSchema>>;
  /** An emulator to use (the caller closes it), or options for one the stack starts and closes. */
  emulator?: ModelEmulator | ModelEmulatorOptions;
  /** Extra node arguments for the gateway process (e.g. `--cpu-prof`). */
  gatewayNodeArgs?: string[];
  /** Extra node arguments for every agent worker process (e.g. `--cpu-prof`). */
  workerNodeArgs?: string[];
  /** Run the services' compiled output (`npm run build`), as production does, instead of the source through tsx. */
  built?: boolean;
  /** The checkout whose services run (ServiceLaunch.projectRoot). Default: this one. */
  projectRoot?: string;
  /** Services' LOG_LEVEL. Default 'warn'. */
  logLevel?: string;
}

export interface Stack {
  /** http://127.0.0.1:<port> of the (first) gateway. */
  readonly gatewayUrl: string;
  /** Every gateway's http://127.0.0.1:<port>, the first one's first. */
  readonly gatewayUrls: readonly string[];
  /** `${gatewayUrl}/v1`, for `new OpenAI({ baseURL })`. */
  readonly baseUrl: string;
  /** ws://…/ws/chat */
  readonly wsUrl: string;
  readonly poolUrl: string;
  /** The service key (API_KEY) every service was started with. */
  readonly apiKey: string;
  readonly redis: TestRedis;
  readonly keys: RedisKeys;
  /** The turns' keys (packages/turns), to check stored turn data. */
  readonly turnKeys: TurnKeys;
  readonly emulator: ModelEmulator;
  readonly app: AppConfigFile;
  readonly configPath: string;
  /** Temp folder: conf, user workspaces, one log file per process. */
  readonly dir: string;
  /** The environment shared by every service. */
  readonly env: Readonly<Record<string, string>>;
  readonly pool: ServiceProcess;
  readonly workers: ServiceProcess[];
  /** The first gateway (the one restartGateway restarts). */
  readonly gateway: ServiceProcess;
  /** Every gateway, the first one first. */
  readonly gateways: readonly ServiceProcess[];
  /** Authorization (+ X-User-ID when given) headers for the service key. */
  headers(userId?: string): Record<string, string>;
  /** fetch against the gateway with the service key, acting for `userId`. */
  fetch(path: string, init?: RequestInit & { userId?: string }): Promise<Response>;
  /** Starts one more agent worker and waits for it. */
  addWorker(): Promise<ServiceProcess>;
  /** Stops the first gateway process and starts a new one (same port, optional extra env); waits for /readyz. */
  restartGateway(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Kills every process, closes the emulator (if the stack started it), deletes the Redis keys and the temp folder. Idempotent. */
  stop(): Promise<void>;
}

function defaultApp(): z.input<typeof AppConfigFileSchema> {
  return {
    models: [
      { model_id: STACK_MODEL, model_name: 'Claude Sonnet 4.5 (emulated)', supports_thinking: true },
      { model_id: STACK_NOVA_MODEL, model_name: 'Nova Pro (emulated)' },
      { model_id: STACK_OPENAI_MODEL, model_name: 'OpenAI-compatible (emulated)', provider: 'openai' },
    ],
    mcpServers: {
      everything: { command: 'mcp-server-everything', args: ['stdio'], description: 'MCP reference server with demo tools', per_user: false },
    },
    userServerCatalog: {
      everything: { command: 'mcp-server-everything', args: ['stdio'], description: 'MCP reference server with demo tools' },
    },
  };
}

/**
 * Starts the real platform as processes from source — mcp-pool, agent worker(s), gateway(s) — on
 * free ports against real Redis (a fresh key prefix) and the model emulator, and waits until each
 * answers /readyz. Call `stop()` in afterAll.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const label = options.label ?? 'stack';
  const redis = await startTestRedis(`e2e-${label}`);
  const ownsEmulator = !options.emulator || !('script' in options.emulator);
  const emulator = options.emulator && 'script' in options.emulator ? options.emulator : await startModelEmulator(options.emulator as ModelEmulatorOptions | undefined);
  const dir = mkdtempSync(join(tmpdir(), `bmcp-${label}-`));
  const app = AppConfigFileSchema.parse({ ...defaultApp(), ...options.app });
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(app, null, 2));
  const poolPort = await freePort();
  const gatewayPorts: number[] = [];
  for (let i = 0; i < (options.gateways ?? 1); i++) gatewayPorts.push(await freePort());
  const [gatewayPort] = gatewayPorts as [number];
  const poolUrl = `http://127.0.0.1:${poolPort}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: options.logLevel ?? 'warn',
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    CONFIG_PATH: configPath,
    API_KEY: STACK_API_KEY,
    INTERNAL_API_KEY: TEST_INTERNAL_API_KEY,
    MCP_POOL_URL: poolUrl,
    USER_WORKSPACES_DIR: join(dir, 'workspaces'),
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.bedrockEndpoint,
    AWS_ACCESS_KEY_ID: 'emulator',
    AWS_SECRET_ACCESS_KEY: 'emulator',
    COMPATIBLE_API_BASE: emulator.openaiBaseUrl,
    COMPATIBLE_API_KEY: 'emulator',
    CREDENTIAL_CSV: join(dir, 'no-credentials.csv'),
    ...options.env,
  };
  const started: ServiceProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      await Promise.all(started.map((service) => service.stop(5000)));
      if (ownsEmulator) await emulator.close();
      await redis.close();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  /** How every service process starts: from source or its build, and from which checkout. */
  const launch = { built: options.built, projectRoot: options.projectRoot };
  const startWorker = async (index: number) => {
    const port = await freePort();
    const worker = startServiceProcess(`agent-worker-${index}`, 'agent-worker', { ...env, AGENT_WORKER_PORT: String(port), ...options.workerEnv }, dir, { ...launch, nodeArgs: options.workerNodeArgs });
    started.push(worker);
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, worker);
    return worker;
  };
  const startGateway = async (index: number, extra: Record<string, string> = {}) => {
    const port = gatewayPorts[index]!;
    const name = index === 0 ? 'gateway' : `gateway-${index + 1}`;
    const gateway = startServiceProcess(name, 'gateway', { ...env, MCP_SERVICE_HOST: '127.0.0.1', MCP_SERVICE_PORT: String(port), ...options.gatewayEnv, ...extra }, dir, { ...launch, nodeArgs: options.gatewayNodeArgs });
    started.push(gateway);
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, gateway);
    return gateway;
  };

  try {
    const pool = startServiceProcess('mcp-pool', 'mcp-pool', { ...env, MCP_POOL_HOST: '127.0.0.1', MCP_POOL_PORT: String(poolPort), ...options.poolEnv }, dir, launch);
    started.push(pool);
    // All at once: each spends most of its start-up compiling TypeScript.
    const [workers, , gateways] = await Promise.all([
      Promise.all(Array.from({ length: options.workers ?? 1 }, (_, index) => startWorker(index + 1))),
      waitUntilReady(`${poolUrl}/readyz`, pool),
      Promise.all(gatewayPorts.map((_, index) => startGateway(index))),
    ]);
    const gatewayUrls = gatewayPorts.map((port) => `http://127.0.0.1:${port}`);
    const gatewayUrl = gatewayUrls[0]!;
    const headers = (userId?: string): Record<string, string> => ({ authorization: `Bearer ${STACK_API_KEY}`, ...(userId ? { 'x-user-id': userId } : {}) });

    return {
      gatewayUrl,
      gatewayUrls,
      baseUrl: `${gatewayUrl}/v1`,
      wsUrl: `ws://127.0.0.1:${gatewayPort}/ws/chat`,
      poolUrl,
      apiKey: STACK_API_KEY,
      redis,
      keys: createRedisKeys(redis.prefix),
      turnKeys: createTurnKeys(redis.prefix),
      emulator,
      app,
      configPath,
      dir,
      env,
      pool,
      workers,
      get gateway() {
        return gateways[0]!;
      },
      gateways,
      headers,
      fetch(path, init = {}) {
        const { userId, headers: extra, ...rest } = init;
        const merged = new Headers(extra);
        for (const [name, value] of Object.entries(headers(userId))) merged.set(name, value);
        if (rest.body !== undefined && !merged.has('content-type')) merged.set('content-type', 'application/json');
        // Bounded, so a hang fails at the request that hung rather than at the test's timeout.
        return fetch(`${gatewayUrl}${path}`, { ...rest, headers: merged, signal: rest.signal ?? AbortSignal.timeout(60_000) });
      },
      async addWorker() {
        const worker = await startWorker(workers.length + 1);
        workers.push(worker);
        return worker;
      },
      async restartGateway(extra) {
        await gateways[0]!.stop();
        gateways[0] = await startGateway(0, extra);
        return gateways[0];
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
