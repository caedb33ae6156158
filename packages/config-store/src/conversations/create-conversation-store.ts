import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger, createRedis, createRedisKeys, type Logger, type Redis, type Settings } from '@bedrock-mcp/common';
import type { ConversationStore } from './conversation-store.js';
import { DynamoConversationStore } from './dynamo-conversation-store.js';
import { RedisConversationStore } from './redis-conversation-store.js';

/** Per Redis command / DynamoDB connect and request, in ms, on connections the factory creates (as createUserServerStore). */
const REDIS_COMMAND_TIMEOUT_MS = 5_000;
const DYNAMO_CONNECT_TIMEOUT_MS = 3_000;
const DYNAMO_REQUEST_TIMEOUT_MS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type ConversationStoreSettings = Pick<
  Settings,
  'REDIS_URL' | 'REDIS_PREFIX' | 'AWS_REGION' | 'CONVERSATIONS_DDB_TABLE' | 'CONVERSATION_RETENTION_DAYS'
>;

export interface CreateConversationStoreOptions {
  settings: ConversationStoreSettings;
  /**
   * A Redis connection to share; the store does not close it. Default: the store opens its own at
   * REDIS_URL and closes it on close(). Unused with DynamoDB.
   */
  redis?: Redis;
  /** Gets corrupt-entry warnings. Default: a `config-store` logger. */
  logger?: Logger;
}

/** The conversation store the settings ask for: DynamoDB when CONVERSATIONS_DDB_TABLE is set, else Redis. */
export function createConversationStore(options: CreateConversationStoreOptions): ConversationStore {
  const { settings } = options;
  const logger = options.logger ?? createLogger({ service: 'config-store' });
  const retentionMs = settings.CONVERSATION_RETENTION_DAYS * DAY_MS;
  if (settings.CONVERSATIONS_DDB_TABLE !== undefined) {
    // Defaults otherwise, so AWS_ENDPOINT_URL_DYNAMODB and the standard credential chain apply.
    const client = new DynamoDBClient({
      region: settings.AWS_REGION,
      requestHandler: { connectionTimeout: DYNAMO_CONNECT_TIMEOUT_MS, requestTimeout: DYNAMO_REQUEST_TIMEOUT_MS },
    });
    return new DynamoConversationStore({ client, tableName: settings.CONVERSATIONS_DDB_TABLE, retentionMs, logger, ownsClient: true, requestTimeoutMs: DYNAMO_REQUEST_TIMEOUT_MS });
  }
  const keys = createRedisKeys(settings.REDIS_PREFIX);
  if (options.redis) return new RedisConversationStore({ redis: options.redis, keys, retentionMs, logger });
  const redis = createRedis(settings.REDIS_URL, 'conversation-store', { commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  return new RedisConversationStore({ redis, keys, retentionMs, logger, ownsConnection: true });
}
