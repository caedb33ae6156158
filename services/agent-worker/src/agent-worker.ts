import { hostname } from 'node:os';
import { AddressPolicy, createRedis, createRedisKeys, requireInternalApiKey, type Logger, type Registry, type AgentWorkerSettings, type RuntimeConfig } from '@bedrock-mcp/common';
import { createConversationStore } from '@bedrock-mcp/config-store';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { HistoryStore, TurnConsumer, type TurnContext } from '@bedrock-mcp/turns';
import { ConversationRecorder } from './conversation/conversation-recorder.js';
import { readCredentialCsv } from './providers/bedrock-client-pool.js';
import { ModelRegistry } from './providers/model-registry.js';
import { buildProviderSet } from './providers/provider-set.js';
import type { RetryPolicy } from './providers/retrying-provider.js';
import { ElicitationRelay } from './turn/elicitation-relay.js';
import { ToolExecutor } from './turn/tool-executor.js';
import { TurnRunner } from './turn/turn-runner.js';
import { TurnMetrics } from './worker/turn-metrics.js';

export interface AgentWorker {
  /** Resolves when Redis answers (readiness). */
  ping(): Promise<unknown>;
  /** Stops taking turns, lets running ones finish, then closes every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the agent worker from its configuration — Redis connections, pool client, model
 * providers, the turn loop and the BullMQ worker — and starts taking turns. The caller owns the
 * process (ops server, signals).
 */
export async function startAgentWorker(config: RuntimeConfig<AgentWorkerSettings>, logger: Logger, registry?: Registry): Promise<AgentWorker> {
  const { settings } = config;
  const internalApiKey = requireInternalApiKey(settings);
  const keys = createRedisKeys(settings.REDIS_PREFIX);
  const redis = createRedis(settings.REDIS_URL, 'agent-worker');
  const subscriber = createRedis(settings.REDIS_URL, 'agent-worker-cancel');
  // Without auto-pipelining: ioredis would copy BullMQ's dozens of scripts into every batch.
  const bullConnection = createRedis(settings.REDIS_URL, 'agent-worker-bull', { maxRetriesPerRequest: null, enableAutoPipelining: false });
  const turns = new TurnConsumer({
    redis,
    connection: bullConnection,
    subscriber,
    prefix: settings.REDIS_PREFIX,
    concurrency: settings.WORKER_CONCURRENCY,
    lockDurationMs: settings.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: settings.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: settings.WORKER_MAX_STALLED_COUNT,
    maxEvents: settings.STREAM_REPLAY_MAX_EVENTS,
    ttlSeconds: settings.STREAM_REPLAY_TTL_S,
    workerId: `${hostname()}-${process.pid}`,
    logger,
  });

  const credentials = readCredentialCsv(config.resolvePath(settings.CREDENTIAL_CSV));
  logger.info({ credentials: credentials.length || 'default chain', region: settings.AWS_REGION, useBedrock: settings.use_bedrock }, 'model providers configured');
  const retry: RetryPolicy = {
    maxAttempts: settings.MODEL_MAX_ATTEMPTS,
    baseDelayMs: settings.MODEL_RETRY_BASE_MS,
    onRetry: ({ attempt, delayMs, error }) => logger.warn({ attempt, delayMs, failure: error.failure }, 'retrying a model call'),
  };
  const providerSet = buildProviderSet({
    providers: config.app.providers,
    bedrock: { region: settings.AWS_REGION, credentials },
    compatible: { baseUrl: settings.COMPATIBLE_API_BASE, apiKey: settings.COMPATIBLE_API_KEY },
    timeoutMs: settings.MODEL_CALL_TIMEOUT_MS,
    retry,
    logger,
  });
  const models = new ModelRegistry({ models: config.app.models, useBedrock: settings.use_bedrock, providers: providerSet.providers });

  // Shares the worker's connection: the store's commands are few and short.
  const conversationStore = createConversationStore({ settings, redis, logger });
  const conversations = new ConversationRecorder({
    store: conversationStore,
    events: turns.events,
    publisher: redis,
    changesChannel: keys.conversationChanges(),
    models,
    titles: settings.CONVERSATION_TITLES,
    historyMaxMessages: settings.HISTORY_MAX_MESSAGES,
    logger,
  });

  const runner = new TurnRunner({
    models,
    pool: new PoolClient({ baseUrl: settings.MCP_POOL_URL, internalApiKey }),
    tools: new ToolExecutor({
      pool: new PoolClient({ baseUrl: settings.MCP_POOL_URL, internalApiKey }),
      ledger: turns.ledger,
      isCancelRequested: (turnId) => turns.cancels.isCancelRequested(turnId),
      toolCallTimeoutMs: settings.TOOL_CALL_TIMEOUT_MS,
      elicitations: new ElicitationRelay({ asks: turns.asks, answers: turns.answers, timeoutSeconds: settings.APPROVAL_TIMEOUT_S, logger }),
      logger,
    }),
    turns,
    history: new HistoryStore(redis, {
      prefix: keys.prefix,
      maxMessages: settings.HISTORY_MAX_MESSAGES,
      lockTtlMs: settings.HISTORY_LOCK_TTL_MS,
      lockWaitMs: settings.HISTORY_LOCK_WAIT_MS,
      conversationTtlSeconds: settings.HISTORY_CONVERSATION_TTL_S,
      logger,
    }),
    conversations,
    limits: {
      maxTurns: settings.MAX_MODEL_ROUNDS,
      modelCallTimeoutMs: settings.MODEL_CALL_TIMEOUT_MS,
      turnTimeoutMs: settings.TURN_TIMEOUT_MS,
      approvalTimeoutS: settings.APPROVAL_TIMEOUT_S,
      replayTtlS: settings.STREAM_REPLAY_TTL_S,
      imageFetch: {
        timeoutMs: settings.IMAGE_FETCH_TIMEOUT_MS,
        maxBytes: settings.IMAGE_FETCH_MAX_BYTES,
        maxTotalBytes: settings.IMAGE_FETCH_MAX_TOTAL_BYTES,
        addressPolicy: imageFetchPolicy(settings),
      },
    },
    logger,
  });
  const runTurn = (job: Parameters<TurnRunner['run']>[0], context: TurnContext) => runner.run(job, context);
  await turns.start(registry ? new TurnMetrics(registry, new Set(models.modelIds)).instrument(runTurn) : runTurn);
  logger.info({ concurrency: settings.WORKER_CONCURRENCY, models: models.modelIds.length }, 'taking chat turns');

  let closing: Promise<void> | undefined;
  return {
    ping: () => redis.ping(),
    close: () => {
      closing ??= (async () => {
        const steps: Array<[string, () => unknown]> = [
          ['turn consumer (chat worker, cancel watcher)', () => turns.close()],
          ['conversation titles', () => conversations.drain()],
          ['conversation store', () => conversationStore.close()],
          ['model provider clients', () => providerSet.close()],
          ['bullmq connection', () => bullConnection.quit()],
          ['redis', () => redis.quit()],
        ];
        for (const [name, step] of steps) {
          try {
            await step();
          } catch (error) {
            logger.error({ err: error, step: name }, 'close step failed');
          }
        }
      })();
      return closing;
    },
  };
}

/** Where image URLs of chat messages may lead: anywhere with IMAGE_FETCH_ALLOW_PRIVATE, else public addresses plus IMAGE_FETCH_ALLOWED_RANGES. */
function imageFetchPolicy(settings: AgentWorkerSettings): AddressPolicy {
  return settings.IMAGE_FETCH_ALLOW_PRIVATE ? AddressPolicy.allowingEverything() : new AddressPolicy(settings.IMAGE_FETCH_ALLOWED_RANGES);
}
