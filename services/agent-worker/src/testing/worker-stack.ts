import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentWorkerSettingsSchema, createLogger, loadConfig, type Registry } from '@bedrock-mcp/common';
import type { ModelConfig } from '@bedrock-mcp/contracts';
import { startModelEmulator, startTestRedis, TEST_INTERNAL_API_KEY, type ModelEmulator, type ModelEmulatorOptions, type TestRedis } from '@bedrock-mcp/test-support';
import { startAgentWorker, type AgentWorker } from '../agent-worker.js';
import { fixturePath, startPoolProcess, writeAppConfig, type ServiceProcess } from './processes.js';
import { TurnClient } from './turn-client.js';

export const CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
export const NOVA = 'us.amazon.nova-pro-v1:0';
export const DEEPSEEK = 'deepseek-chat';

const MODELS: ModelConfig[] = [
  { model_id: CLAUDE, model_name: 'Claude', supports_thinking: true, supports_images: true, supports_documents: true, supports_tool_use: true, supports_prompt_caching: false },
  { model_id: NOVA, model_name: 'Nova', supports_thinking: false, supports_images: true, supports_documents: true, supports_tool_use: true, supports_prompt_caching: false },
  { model_id: DEEPSEEK, model_name: 'DeepSeek', provider: 'openai', supports_thinking: false, supports_images: true, supports_documents: true, supports_tool_use: true, supports_prompt_caching: false },
];

export interface WorkerStack {
  redis: TestRedis;
  emulator: ModelEmulator;
  pool: { url: string; process: ServiceProcess };
  client: TurnClient;
  /** Temp folder of this stack (config, users' workspaces with their counter files, credential.csv). */
  dir: string;
  configPath: string;
  /** Labels the counter server's `count` tool was called with, one per call (all users' workspaces). */
  counted(): string[];
  /** Environment for a worker of this stack (in-process or a process). */
  workerEnv(overrides?: Record<string, string>): Record<string, string>;
  /** An agent worker in this process (its metrics in `registry` when given); closed by close(). */
  startWorker(overrides?: Record<string, string>, registry?: Registry): Promise<AgentWorker>;
  close(): Promise<void>;
}

/**
 * Real Redis (own prefix), the model emulator, a real mcp-pool process serving
 * server-everything (also as `guarded`, whose echo needs approval) and the counter server, and a TurnClient doing what the gateway does.
 */
export async function startWorkerStack(label: string, emulatorOptions: ModelEmulatorOptions = {}): Promise<WorkerStack> {
  const dir = mkdtempSync(join(tmpdir(), `aw-${label}-`));
  const workspacesDir = join(dir, 'workspaces');
  const configPath = writeAppConfig(dir, {
    models: MODELS,
    mcpServers: {
      everything: { command: 'mcp-server-everything', args: ['stdio'] },
      // The admin requires approval for its echo (and only that tool).
      guarded: { command: 'mcp-server-everything', args: ['stdio'], require_approval: { always: { tool_names: ['echo'] } } },
      // In the user's workspace: the only place a sandboxed server may write.
      counter: { command: process.execPath, args: [fixturePath('counter-server.mjs'), '${USER_WORKSPACE}/counted.txt'] },
    },
  });
  const redis = await startTestRedis(`aw-${label}`);
  const emulator = await startModelEmulator(emulatorOptions);
  const pool = await startPoolProcess({ redisUrl: redis.url, redisPrefix: redis.prefix, configPath, extraEnv: { USER_WORKSPACES_DIR: workspacesDir } });
  const client = new TurnClient(redis.url, redis.prefix);
  const workers: AgentWorker[] = [];

  // The AWS SDK reads these from the process environment (the default credential chain and endpoint).
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEMULATOR0';
  process.env.AWS_SECRET_ACCESS_KEY = 'emulator-secret';
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = emulator.bedrockEndpoint;
  delete process.env.AWS_PROFILE;

  const workerEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    MCP_POOL_URL: pool.url,
    INTERNAL_API_KEY: TEST_INTERNAL_API_KEY,
    CONFIG_PATH: configPath,
    CREDENTIAL_CSV: join(dir, 'credential.csv'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEMULATOR0',
    AWS_SECRET_ACCESS_KEY: 'emulator-secret',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.bedrockEndpoint,
    COMPATIBLE_API_BASE: emulator.openaiBaseUrl,
    COMPATIBLE_API_KEY: 'emulator-key',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WORKER_CONCURRENCY: '8',
    MODEL_RETRY_BASE_MS: '10',
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '500',
    HISTORY_LOCK_TTL_MS: '3000',
    ...overrides,
  });

  return {
    redis,
    emulator,
    pool,
    client,
    dir,
    configPath,
    counted: () => {
      if (!existsSync(workspacesDir)) return [];
      return readdirSync(workspacesDir)
        .map((user) => join(workspacesDir, user, 'counted.txt'))
        .filter((file) => existsSync(file))
        .flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean));
    },
    workerEnv,
    startWorker: async (overrides, registry) => {
      const config = loadConfig({ schema: AgentWorkerSettingsSchema, env: workerEnv(overrides), readDotenv: false });
      const logger = createLogger({ service: 'agent-worker', level: config.settings.LOG_LEVEL });
      const worker = await startAgentWorker(config, logger, registry);
      workers.push(worker);
      return worker;
    },
    close: async () => {
      for (const worker of workers) await worker.close();
      await client.close();
      await pool.process.stop();
      await emulator.close();
      await redis.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
