import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { McpServerConfig } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUserServerStore, type UserServerStoreSettings } from './create-user-server-store.js';
import { DynamoUserServerStore } from './dynamo-user-server-store.js';
import { ensureDynamoTable } from './ensure-dynamo-table.js';
import { RedisUserServerStore } from './redis-user-server-store.js';
import { captureLogger } from './testing/capture-logger.js';
import { startDynalite, type TestDynamo } from './testing/start-dynalite.js';

const config: McpServerConfig = { transport: 'stdio', command: 'echo', args: ['hi'], env: { TOKEN: 'factory-secret-value' }, enabled: true };

describe('createUserServerStore', () => {
  let redis: TestRedis;
  let settings: UserServerStoreSettings;

  beforeAll(async () => {
    redis = await startTestRedis('config-store-factory');
    settings = {
      NODE_ENV: 'test',
      SECRETS_KEY: 'factory-test-secrets-key-1',
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      AWS_REGION: 'us-east-1',
      ddb_table: undefined,
    };
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('refuses to start in production without SECRETS_KEY, naming it', () => {
    expect(() => createUserServerStore({ settings: { ...settings, NODE_ENV: 'production', SECRETS_KEY: undefined } })).toThrow(/SECRETS_KEY/);
  });

  it('refuses a SECRETS_KEY too short to be a key', () => {
    expect(() => createUserServerStore({ settings: { ...settings, SECRETS_KEY: 'tooshort' } })).toThrow(/SECRETS_KEY must be at least 16/);
  });

  it('warns and uses the development key outside production without SECRETS_KEY', async () => {
    const log = captureLogger();
    const store = createUserServerStore({ settings: { ...settings, SECRETS_KEY: undefined }, redis: redis.client, logger: log.logger });
    expect(log.lines.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual([expect.stringMatching(/SECRETS_KEY is not set/)]);
    expect(await store.add('dev-user', 'srv', config)).toBe(true);
    expect((await store.get('dev-user', 'srv'))?.config).toEqual(config);
    await store.close();
  });

  it('builds a Redis store by default; with a shared connection it leaves it open, its own it closes', async () => {
    const { logger } = captureLogger();
    const shared = createUserServerStore({ settings, redis: redis.client, logger });
    expect(shared).toBeInstanceOf(RedisUserServerStore);
    const userId = `u-${randomUUID().slice(0, 8)}`;
    expect(await shared.add(userId, 'srv', config)).toBe(true);
    await shared.close();
    expect(await redis.client.hkeys(`${redis.prefix}user:{${userId}}:mcp-servers`)).toEqual(['srv']);

    // A second store with its own connection and the same SECRETS_KEY reads what the first wrote.
    const own = createUserServerStore({ settings, logger });
    expect((await own.get(userId, 'srv'))?.config).toEqual(config);
    await own.close();
    await own.close();
    expect(await redis.client.ping()).toBe('PONG');
  });

  describe('with ddb_table set', () => {
    let dynamo: TestDynamo;
    const tableName = `mcp_user_config_${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      dynamo = await startDynalite();
      await ensureDynamoTable(dynamo.client, tableName);
    });
    afterEach(() => {
      vi.unstubAllEnvs();
    });
    afterAll(async () => {
      await dynamo?.close();
    });

    it('builds a DynamoDB store that finds its endpoint and credentials the standard way', async () => {
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'factory-test');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'factory-test');
      const { logger } = captureLogger();
      const store = createUserServerStore({ settings: { ...settings, ddb_table: tableName }, redis: redis.client, logger });
      expect(store).toBeInstanceOf(DynamoUserServerStore);
      await store.ping();
      expect(await store.add('ddb-user', 'srv', config)).toBe(true);
      expect((await store.list('ddb-user')).map((record) => record.config)).toEqual([config]);
      await store.close();

      const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { userId: { S: 'ddb-user' } } }));
      expect(Object.keys(Item?.servers?.M ?? {})).toEqual(['srv']);
      expect(JSON.stringify(Item)).not.toContain('factory-secret-value');
    });
  });
});
