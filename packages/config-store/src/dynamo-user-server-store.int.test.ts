import { DescribeTableCommand, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoUserServerStore } from './dynamo-user-server-store.js';
import { ensureDynamoTable } from './ensure-dynamo-table.js';
import { SecretCipher } from './secret-cipher.js';
import type { UserServerStore } from './user-server-store.js';
import { captureLogger } from './testing/capture-logger.js';
import { createTestDynamoClient, startDynalite, type TestDynamo } from './testing/start-dynalite.js';
import { describeUserServerStoreContract } from './testing/user-server-store-contract.js';

const newTableName = () => `mcp_user_config_${randomUUID().slice(0, 8)}`;

describeUserServerStoreContract('DynamoUserServerStore', async () => {
  const dynamo = await startDynalite();
  const tableName = newTableName();
  await ensureDynamoTable(dynamo.client, tableName);
  const stores: UserServerStore[] = [];
  const getItem = (userId: string) =>
    dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { userId: { S: userId } }, ConsistentRead: true }));
  return {
    open: ({ cipher, logger, now }) => {
      const store = new DynamoUserServerStore({ client: dynamo.client, tableName, cipher, logger, ...(now ? { now } : {}) });
      stores.push(store);
      return store;
    },
    readRawUser: async (userId) => JSON.stringify((await getItem(userId)).Item ?? {}),
    readRaw: async (userId, serverId) => (await getItem(userId)).Item?.servers?.M?.[serverId]?.S,
    // The contract writes raw entries only for users that already have servers, so the map exists.
    writeRaw: async (userId, serverId, raw) => {
      await dynamo.client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { userId: { S: userId } },
          UpdateExpression: 'SET #servers.#id = :raw',
          ConditionExpression: 'attribute_exists(#servers)',
          ExpressionAttributeNames: { '#servers': 'servers', '#id': serverId },
          ExpressionAttributeValues: { ':raw': { S: raw } },
        }),
      );
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await dynamo.close();
    },
  };
});

describe('DynamoUserServerStore against dynalite', () => {
  let dynamo: TestDynamo;
  const cipher = SecretCipher.fromSecret('dynamo-store-test-secrets-key');
  const { logger } = captureLogger();

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('ensureDynamoTable creates the seed\'s table (userId S hash key) once and is idempotent', async () => {
    const tableName = newTableName();
    await ensureDynamoTable(dynamo.client, tableName);
    await ensureDynamoTable(dynamo.client, tableName);
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'userId', KeyType: 'HASH' }]);
  });

  it('keeps one item per user with a map of servers', async () => {
    const tableName = newTableName();
    await ensureDynamoTable(dynamo.client, tableName);
    const store = new DynamoUserServerStore({ client: dynamo.client, tableName, cipher, logger });
    await store.add('item-user', 'alpha', { transport: 'stdio', command: 'echo', args: [], env: {}, enabled: true });
    await store.put('item-user', 'beta', { transport: 'sse', url: 'http://127.0.0.1:1/sse', headers: {}, enabled: true });
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { userId: { S: 'item-user' } } }));
    expect(Object.keys(Item ?? {}).sort()).toEqual(['servers', 'userId']);
    expect(Object.keys(Item?.servers?.M ?? {}).sort()).toEqual(['alpha', 'beta']);
    await store.close();
  });

  it('ping fails when the table does not exist', async () => {
    const store = new DynamoUserServerStore({ client: dynamo.client, tableName: 'no_such_table', cipher, logger });
    await expect(store.ping()).rejects.toThrow(/not found/);
  });

  describe('against an endpoint that never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('gives up after requestTimeoutMs with an error naming the operation', async () => {
      const client = createTestDynamoClient(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
      const store = new DynamoUserServerStore({ client, tableName: 'any_table', cipher, logger, requestTimeoutMs: 300, ownsClient: true });
      const started = Date.now();
      await expect(store.get('someone', 'srv')).rejects.toThrow(/GetItem timed out after 300 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
      await store.close();
    });
  });
});
