import { createRedis, createRedisKeys } from '@bedrock-mcp/common';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisUserServerStore } from './redis-user-server-store.js';
import { SecretCipher } from './secret-cipher.js';
import type { UserServerStore } from './user-server-store.js';
import { captureLogger } from './testing/capture-logger.js';
import { describeUserServerStoreContract } from './testing/user-server-store-contract.js';

describeUserServerStoreContract('RedisUserServerStore', async () => {
  const redis = await startTestRedis('config-store');
  const keys = createRedisKeys(redis.prefix);
  const stores: UserServerStore[] = [];
  return {
    open: ({ cipher, logger, now }) => {
      const store = new RedisUserServerStore({ redis: redis.client, keys, cipher, logger, ...(now ? { now } : {}) });
      stores.push(store);
      return store;
    },
    readRawUser: async (userId) => JSON.stringify(await redis.client.hgetall(keys.userMcpServers(userId))),
    readRaw: async (userId, serverId) => (await redis.client.hget(keys.userMcpServers(userId), serverId)) ?? undefined,
    writeRaw: async (userId, serverId, raw) => {
      await redis.client.hset(keys.userMcpServers(userId), serverId, raw);
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await redis.close();
    },
  };
});

describe('RedisUserServerStore connection ownership and layout', () => {
  let redis: TestRedis;
  const cipher = SecretCipher.fromSecret('redis-store-test-secrets-key');
  const { logger } = captureLogger();

  beforeAll(async () => {
    redis = await startTestRedis('config-store-own');
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('keeps one hash per user under keys.userMcpServers, field = server id', async () => {
    const keys = createRedisKeys(redis.prefix);
    const store = new RedisUserServerStore({ redis: redis.client, keys, cipher, logger });
    await store.add('layout-user', 'alpha', { transport: 'stdio', command: 'echo', args: [], env: {}, enabled: true });
    expect(await redis.client.type(keys.userMcpServers('layout-user'))).toBe('hash');
    expect(await redis.client.hkeys(keys.userMcpServers('layout-user'))).toEqual(['alpha']);
    await store.close();
  });

  it('leaves a shared connection open on close()', async () => {
    const store = new RedisUserServerStore({ redis: redis.client, keys: createRedisKeys(redis.prefix), cipher, logger });
    await store.close();
    expect(await redis.client.ping()).toBe('PONG');
  });

  it('quits a connection it owns on close()', async () => {
    const connection = createRedis(redis.url, 'config-store-test');
    const store = new RedisUserServerStore({ redis: connection, keys: createRedisKeys(redis.prefix), cipher, logger, ownsConnection: true });
    await store.ping();
    const ended = connection.status === 'end' ? Promise.resolve() : once(connection, 'end');
    await store.close();
    await ended;
    expect(connection.status).toBe('end');
  });
});
