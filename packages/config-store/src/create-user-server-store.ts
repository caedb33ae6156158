import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger, createRedis, createRedisKeys, type Logger, type Redis, type Settings } from '@bedrock-mcp/common';
import { DynamoUserServerStore } from './dynamo-user-server-store.js';
import { RedisUserServerStore } from './redis-user-server-store.js';
import { resolveSecretCipher } from './resolve-secret-cipher.js';
import type { UserServerStore } from './user-server-store.js';

/** Per Redis command / DynamoDB connect and request, in ms, on connections the factory creates. */
const REDIS_COMMAND_TIMEOUT_MS = 5_000;
const DYNAMO_CONNECT_TIMEOUT_MS = 3_000;
const DYNAMO_REQUEST_TIMEOUT_MS = 10_000;

export type UserServerStoreSettings = Pick<
  Settings,
  'NODE_ENV' | 'SECRETS_KEY' | 'REDIS_URL' | 'REDIS_PREFIX' | 'AWS_REGION' | 'ddb_table'
>;

export interface CreateUserServerStoreOptions {
  settings: UserServerStoreSettings;
  /**
   * A Redis connection to share; the store does not close it. Default: the store opens its own at
   * REDIS_URL and closes it on close(). Unused with DynamoDB.
   */
  redis?: Redis;
  /** Gets the development-key warning and corrupt-entry warnings. Default: a `config-store` logger. */
  logger?: Logger;
}

/**
 * The users' MCP server store the settings ask for: DynamoDB when `ddb_table` is set, else Redis.
 * Throws when SECRETS_KEY is missing in production (or too short); outside production without it,
 * logs a warning and uses the public development key.
 */
export function createUserServerStore(options: CreateUserServerStoreOptions): UserServerStore {
  const { settings } = options;
  const logger = options.logger ?? createLogger({ service: 'config-store' });
  const { cipher, usingDevelopmentKey } = resolveSecretCipher(settings);
  if (usingDevelopmentKey) {
    logger.warn('SECRETS_KEY is not set: MCP server secrets are encrypted with the public development key (never do this in production)');
  }

  if (settings.ddb_table !== undefined) {
    // Defaults otherwise, so AWS_ENDPOINT_URL_DYNAMODB and the standard credential chain apply.
    const client = new DynamoDBClient({
      region: settings.AWS_REGION,
      requestHandler: { connectionTimeout: DYNAMO_CONNECT_TIMEOUT_MS, requestTimeout: DYNAMO_REQUEST_TIMEOUT_MS },
    });
    return new DynamoUserServerStore({ client, tableName: settings.ddb_table, cipher, logger, ownsClient: true });
  }

  const keys = createRedisKeys(settings.REDIS_PREFIX);
  if (options.redis) return new RedisUserServerStore({ redis: options.redis, keys, cipher, logger });
  const redis = createRedis(settings.REDIS_URL, 'config-store', { commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  return new RedisUserServerStore({ redis, keys, cipher, logger, ownsConnection: true });
}
