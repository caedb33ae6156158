import { PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../testing/capture-logger.js';
import { describeConversationStoreContract } from '../testing/conversation-store-contract.js';
import { createTestDynamoClient, startDynalite, type TestDynamo } from '../testing/start-dynalite.js';
import type { ConversationStore } from './conversation-store.js';
import { DynamoConversationStore } from './dynamo-conversation-store.js';
import { ensureConversationTable } from './ensure-conversation-table.js';

const TABLE = 'conversations-contract';

describeConversationStoreContract('DynamoConversationStore', async () => {
  const dynamo = await startDynalite();
  await ensureConversationTable(dynamo.client, TABLE);
  const stores: ConversationStore[] = [];
  return {
    open: ({ logger, retentionMs }) => {
      const store = new DynamoConversationStore({ client: dynamo.client, tableName: TABLE, logger, ...(retentionMs === undefined ? {} : { retentionMs }) });
      stores.push(store);
      return store;
    },
    leftovers: async (userId, conversationId) => {
      const items = await dynamo.client.send(
        new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `conversation#${userId}#${conversationId}` } } }),
      );
      const summaries = await dynamo.client.send(
        new ScanCommand({ TableName: TABLE, FilterExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': { S: `user#${userId}` }, ':sk': { S: `conversation#${conversationId}` } } }),
      );
      return [...(items.Items ?? []), ...(summaries.Items ?? [])].map((item) => `${item.pk?.S} ${item.sk?.S}`).sort();
    },
    corruptMessage: async (userId, conversationId, index) => {
      await dynamo.client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: `conversation#${userId}#${conversationId}` }, sk: { S: `message#${String(index).padStart(10, '0')}` }, data: { S: '{"id":"msg_broken!", "role":' }, bytes: { N: '10' } },
        }),
      );
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await dynamo.close();
    },
  };
});

describe('DynamoConversationStore, a delete that lands while a turn is being recorded', () => {
  let dynamo: TestDynamo;
  const table = 'conversations-race';

  beforeAll(async () => {
    dynamo = await startDynalite();
    await ensureConversationTable(dynamo.client, table);
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('finishTurn finds the summary gone at its conditional write, takes back the message and blob items it wrote, and returns undefined', async () => {
    const { logger } = captureLogger();
    const racing = createTestDynamoClient(dynamo.endpoint);
    const store = new DynamoConversationStore({ client: racing, tableName: table, logger });
    const deleter = new DynamoConversationStore({ client: dynamo.client, tableName: table, logger });
    const now = 1_800_000_000_000;
    await store.startTurn('racer', 'c1', {
      turnId: 'chatcmpl-race0001',
      message: { id: 'msg_race0001', role: 'user', created_at: now, parts: [{ type: 'text', text: 'hi' }] },
      blobs: [],
      model: 'm',
      mcpServerIds: [],
      replaceLast: false,
      now,
    });
    // Delete after finishTurn read the summary and before it writes its items (its first
    // BatchWriteItem): the delete's own sweep cannot see them, so finishTurn must take them back.
    let armed = true;
    racing.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems?: unknown };
        if (armed && input.RequestItems !== undefined) {
          armed = false;
          expect(await deleter.delete('racer', 'c1')).toBe(true);
        }
        return next(args);
      },
      { step: 'initialize', name: 'deleteBeforeSummaryWrite' },
    );
    const data = Buffer.from('late image');
    const blobId = createHash('sha256').update(data).digest('hex');
    const finished = await store.finishTurn('racer', 'c1', {
      message: { id: 'msg_race0002', role: 'assistant', created_at: now + 1, parts: [{ type: 'image', blob: { blob_id: blobId, media_type: 'image/png', bytes: data.length } }] },
      blobs: [{ blobId, mediaType: 'image/png', data }],
      now: now + 1,
    });
    expect(armed).toBe(false);
    expect(finished).toBeUndefined();
    const left = await dynamo.client.send(new ScanCommand({ TableName: table }));
    expect(left.Items ?? []).toEqual([]);
    await store.close();
    racing.destroy();
  });
});
