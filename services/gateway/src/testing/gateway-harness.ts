import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createConversationStore, createUserServerStore, type ConversationStore, type UserServerStore } from '@bedrock-mcp/config-store';
import { createLogger, createRedis, createRedisKeys, requireInternalApiKey, SettingsSchema, type Redis, type RedisKeys, type Settings } from '@bedrock-mcp/common';
import { AppConfigFileSchema, type AppConfigFile } from '@bedrock-mcp/contracts';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { startTestRedis, TEST_INTERNAL_API_KEY, type TestRedis } from '@bedrock-mcp/test-support';
import { createTurnKeys, type TurnKeys } from '@bedrock-mcp/turns';
import { createGatewayApp, type GatewayApp } from '../gateway-app.js';
import type { WsVoiceServerOptions } from '../http/ws-voice-server.js';
import { ScriptedTurnWorker } from './scripted-turn-worker.js';

export const SERVICE_KEY = 'test-service-key';
export const TEST_MODEL = 'test.model-v1';

export interface GatewayHarnessOptions {
  env?: Record<string, string>;
  app?: Partial<AppConfigFile>;
  /** Where the gateway reaches the mcp-pool; default: a closed port. */
  poolUrl?: string;
  wsAuthTimeoutMs?: number;
  wsHeartbeatMs?: number;
  /** Bedrock client for voice sessions (e.g. pointed at the model emulator); the caller closes it. */
  sonicClient?: BedrockRuntimeClient;
  voice?: WsVoiceServerOptions;
  /** The turn streams' idle timeout (default TURN_TIMEOUT_MS + 60 s). */
  streamIdleTimeoutMs?: number;
}

/** Another gateway instance on the same Redis (a replica, or the gateway after a restart). */
interface GatewayPeer {
  url: string;
  wsUrl: string;
  gateway: GatewayApp;
  close(): Promise<void>;
}

export interface GatewayHarness {
  url: string;
  wsUrl: string;
  /** ws://…/ws/user-audio with the query `params`. */
  voiceUrl(params: Record<string, string>): string;
  testRedis: TestRedis;
  keys: RedisKeys;
  /** The turns' keys (packages/turns), to check stored turn data. */
  turnKeys: TurnKeys;
  settings: Settings;
  gateway: GatewayApp;
  store: UserServerStore;
  /** The users' conversations (the Redis store), to seed records as the agent worker writes them. */
  conversations: ConversationStore;
  worker: ScriptedTurnWorker;
  /** Starts another gateway on the same Redis, prefix and settings; the caller closes it. */
  startPeer(): Promise<GatewayPeer>;
  /** fetch against the gateway as `user` (default alice) with the service key unless `key` is given ('' for none). */
  request(path: string, init?: RequestInit & { user?: string; key?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** The gateway in-process on a random port, with real Redis, the Redis config store and a scripted worker. */
export async function startGatewayHarness(options: GatewayHarnessOptions = {}): Promise<GatewayHarness> {
  const testRedis = await startTestRedis('gateway');
  const settings = SettingsSchema.parse({
    REDIS_URL: testRedis.url,
    REDIS_PREFIX: testRedis.prefix,
    API_KEY: SERVICE_KEY,
    INTERNAL_API_KEY: TEST_INTERNAL_API_KEY,
    MCP_POOL_URL: options.poolUrl ?? 'http://127.0.0.1:9',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const app = AppConfigFileSchema.parse({
    models: [{ model_id: TEST_MODEL, model_name: 'Test model', supports_thinking: true }],
    mcpServers: { cot: { command: 'mcp-server-sequential-thinking', args: [], description: 'Sequential thinking' } },
    ...options.app,
  });
  const logger = createLogger({ service: 'gateway-test', level: 'silent' });
  const keys = createRedisKeys(testRedis.prefix);
  const redis: Redis = createRedis(testRedis.url, 'gateway-test');
  const store = createUserServerStore({ settings, redis, logger });
  const conversations = createConversationStore({ settings, redis, logger });
  const build = (): GatewayApp =>
    createGatewayApp({
      settings,
      app,
      logger,
      redis,
      store,
      conversations,
      pool: new PoolClient({ baseUrl: settings.MCP_POOL_URL, internalApiKey: requireInternalApiKey(settings), requestTimeoutMs: 5000 }),
      wsAuthTimeoutMs: options.wsAuthTimeoutMs,
      wsHeartbeatMs: options.wsHeartbeatMs,
      sonicClient: options.sonicClient,
      voice: options.voice,
      streamIdleTimeoutMs: options.streamIdleTimeoutMs,
    });
  const gateway = build();
  const address = await gateway.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  const worker = new ScriptedTurnWorker(testRedis.url, testRedis.client, keys);

  return {
    url,
    wsUrl: `ws://127.0.0.1:${address.port}/ws/chat`,
    voiceUrl: (params) => `ws://127.0.0.1:${address.port}/ws/user-audio?${new URLSearchParams(params).toString()}`,
    testRedis,
    keys,
    turnKeys: createTurnKeys(testRedis.prefix),
    settings,
    gateway,
    store,
    conversations,
    worker,
    async startPeer() {
      const peer = build();
      const { port } = await peer.listen(0, '127.0.0.1');
      return { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws/chat`, gateway: peer, close: () => peer.close() };
    },
    request(path, init = {}) {
      const { user = 'alice', key = SERVICE_KEY, headers, ...rest } = init;
      const merged = new Headers(headers);
      if (key) merged.set('authorization', `Bearer ${key}`);
      if (user) merged.set('x-user-id', user);
      if (rest.body !== undefined && !merged.has('content-type')) merged.set('content-type', 'application/json');
      return fetch(`${url}${path}`, { ...rest, headers: merged });
    },
    async close() {
      await worker.close();
      await gateway.close();
      await store.close();
      await conversations.close();
      await redis.quit();
      await testRedis.close();
    },
  };
}

/** Parses an SSE body into its events (id + data). */
export function parseSse(text: string): Array<{ id: string | undefined; data: string }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      return { id, data };
    });
}

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** Every `METHOD /path` the harness's Express app serves, as written in its routers (`:name` parameters). */
export function servedRoutes(harness: GatewayHarness): string[] {
  const app = harness.gateway.expressApp as unknown as { router: { stack: RouteLayer[] } };
  const routes: string[] = [];
  const walk = (stack: RouteLayer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const method of Object.keys(layer.route.methods)) routes.push(`${method.toUpperCase()} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  return routes;
}
