import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureLogger } from '../testing/capture-logger.js';
import { startDynalite, type TestDynamo } from '../testing/start-dynalite.js';
import { createConversationStore, type ConversationStoreSettings } from './create-conversation-store.js';
import { DynamoConversationStore } from './dynamo-conversation-store.js';
import { ensureConversationTable } from './ensure-conversation-table.js';
import { RedisConversationStore } from './redis-conversation-store.js';

describe('createConversationStore', () => {
  let redis: TestRedis;
  let settings: ConversationStoreSettings;

  beforeAll(async () => {
    redis = await startTestRedis('conversation-store-factory');
    settings = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      AWS_REGION: 'us-east-1',
      CONVERSATIONS_DDB_TABLE: undefined,
      CONVERSATION_RETENTION_DAYS: 0,
    };
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('builds a Redis store by default; with a shared connection it leaves it open, its own it closes', async () => {
    const { logger } = captureLogger();
    const userId = `u-${randomUUID().slice(0, 8)}`;
    const shared = createConversationStore({ settings, redis: redis.client, logger });
    expect(shared).toBeInstanceOf(RedisConversationStore);
    await shared.create(userId, 'first', { title: 'Factory made' }, 1_000);
    await shared.close();
    expect(await redis.client.ping()).toBe('PONG');
    expect(await redis.client.zrange(`${redis.prefix}user:{${userId}}:conversations`, '0', '-1')).toEqual(['first']);

    const own = createConversationStore({ settings, logger });
    expect((await own.summary(userId, 'first'))?.title).toBe('Factory made');
    await own.close();
    await expect(own.ping()).rejects.toThrow(/closed/);
  });

  it('keeps conversations CONVERSATION_RETENTION_DAYS after their last change', async () => {
    const userId = `u-${randomUUID().slice(0, 8)}`;
    const store = createConversationStore({ settings: { ...settings, CONVERSATION_RETENTION_DAYS: 2 }, redis: redis.client, logger: captureLogger().logger });
    await store.create(userId, 'kept', {}, Date.now());
    const ttl = await redis.client.pttl(`${redis.prefix}user:{${userId}}:conversation:kept:meta`);
    expect(ttl).toBeGreaterThan(2 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(2 * 86_400_000);
    await store.close();
  });

  it('keeps them forever with CONVERSATION_RETENTION_DAYS=0', async () => {
    const userId = `u-${randomUUID().slice(0, 8)}`;
    const store = createConversationStore({ settings, redis: redis.client, logger: captureLogger().logger });
    await store.create(userId, 'forever', {}, Date.now());
    expect(await redis.client.pttl(`${redis.prefix}user:{${userId}}:conversation:forever:meta`)).toBe(-1);
    await store.close();
  });

  describe('with CONVERSATIONS_DDB_TABLE set', () => {
    let dynamo: TestDynamo;
    const tableName = `conversations_${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      dynamo = await startDynalite();
      await ensureConversationTable(dynamo.client, tableName);
    });
    afterEach(() => {
      vi.unstubAllEnvs();
    });
    afterAll(async () => {
      await dynamo?.close();
    });

    it('builds a DynamoDB store that finds its endpoint and credentials the standard way, with TTL attributes for the retention', async () => {
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'factory-test');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'factory-test');
      const store = createConversationStore({
        settings: { ...settings, CONVERSATIONS_DDB_TABLE: tableName, CONVERSATION_RETENTION_DAYS: 3 },
        redis: redis.client,
        logger: captureLogger().logger,
      });
      expect(store).toBeInstanceOf(DynamoConversationStore);
      await store.ping();
      const now = Date.now();
      await store.startTurn('ddb-user', 'ttl', {
        turnId: 'chatcmpl-factory01',
        message: { id: 'msg_factory01', role: 'user', created_at: now, parts: [{ type: 'text', text: 'hello' }] },
        blobs: [],
        model: 'm',
        mcpServerIds: [],
        replaceLast: false,
        now,
      });
      expect((await store.list('ddb-user', { limit: 5 })).conversations.map((summary) => summary.id)).toEqual(['ttl']);
      await store.close();

      const summary = await dynamo.client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'user#ddb-user' } } }));
      const messages = await dynamo.client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'conversation#ddb-user#ttl' } } }));
      const day = 86_400;
      expect(Number(summary.Items?.[0]?.expires_at?.N)).toBe(Math.ceil((now + 3 * day * 1000) / 1000));
      // Messages outlive the summary by half a retention, so they need refreshing only every so often.
      expect(Number(messages.Items?.[0]?.expires_at?.N)).toBe(Math.ceil((now + 4.5 * day * 1000) / 1000));
    });
  });
});
