import { createRedisKeys, type RedisKeys } from '@bedrock-mcp/common';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../testing/capture-logger.js';
import type { ConversationStore } from './conversation-store.js';
import { describeConversationStoreContract } from '../testing/conversation-store-contract.js';
import { RedisConversationStore } from './redis-conversation-store.js';

describeConversationStoreContract('RedisConversationStore', async () => {
  const redis = await startTestRedis('conversation-store');
  const keys = createRedisKeys(redis.prefix);
  const stores: ConversationStore[] = [];
  return {
    open: ({ logger, retentionMs }) => {
      const store = new RedisConversationStore({ redis: redis.client, keys, logger, ...(retentionMs === undefined ? {} : { retentionMs }) });
      stores.push(store);
      return store;
    },
    leftovers: async (userId, conversationId) => {
      const found: string[] = [];
      const pattern = `${keys.conversationMeta(userId, conversationId).slice(0, -'meta'.length)}*`;
      let cursor = '0';
      do {
        const [next, batch] = await redis.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        found.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      if ((await redis.client.zscore(keys.userConversations(userId), conversationId)) !== null) found.push(`index entry ${conversationId}`);
      return found.sort();
    },
    corruptMessage: async (userId, conversationId, index) => {
      await redis.client.lset(keys.conversationMessages(userId, conversationId), index, '{"id":"msg_broken!", "role":');
    },
    close: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await redis.close();
    },
  };
});

describe('RedisConversationStore layout and index upkeep', () => {
  let redis: TestRedis;
  let keys: RedisKeys;
  let store: RedisConversationStore;
  const log = captureLogger();

  beforeAll(async () => {
    redis = await startTestRedis('conversation-store-layout');
    keys = createRedisKeys(redis.prefix);
    store = new RedisConversationStore({ redis: redis.client, keys, logger: log.logger });
  });
  afterAll(async () => {
    await store?.close();
    await redis?.close();
  });

  it('keeps the index, meta, messages and blobs under the keys redis-keys names, blobs byte for byte', async () => {
    const data = Buffer.from([0xff, 0x00, 0xc3, 0x28]);
    const blobId = createHash('sha256').update(data).digest('hex');
    await store.startTurn('layout', 'c1', {
      turnId: 'chatcmpl-layout001',
      message: { id: 'msg_layout001', role: 'user', created_at: 5, parts: [{ type: 'image', blob: { blob_id: blobId, media_type: 'image/png', bytes: 4 } }] },
      blobs: [{ blobId, mediaType: 'image/png', data }],
      model: 'm',
      mcpServerIds: [],
      replaceLast: false,
      now: 5,
    });
    expect(await redis.client.zrange(keys.userConversations('layout'), '0', '-1', 'WITHSCORES')).toEqual(['c1', '5']);
    expect(await redis.client.type(keys.conversationMeta('layout', 'c1'))).toBe('hash');
    expect(await redis.client.llen(keys.conversationMessages('layout', 'c1'))).toBe(1);
    expect((await redis.client.hgetBuffer(keys.conversationBlobs('layout', 'c1'), blobId))?.equals(data)).toBe(true);
    expect(await redis.client.hget(keys.conversationBlobs('layout', 'c1'), `${blobId}:type`)).toBe('image/png');
  });

  it('list and search skip, and drop, index entries whose conversation is gone; a corrupt summary is skipped with a warning', async () => {
    for (const [index, id] of ['a', 'b', 'c', 'd'].entries()) await store.create('upkeep', id, { title: `Topic ${id}` }, 10 + index);
    await redis.client.del(keys.conversationMeta('upkeep', 'c'));
    expect((await store.list('upkeep', { limit: 10, query: 'topic' })).conversations.map((summary) => summary.id)).toEqual(['d', 'b', 'a']);
    expect(await redis.client.zscore(keys.userConversations('upkeep'), 'c')).toBeNull();
    await redis.client.del(keys.conversationMeta('upkeep', 'b'));
    expect((await store.list('upkeep', { limit: 10 })).conversations.map((summary) => summary.id)).toEqual(['d', 'a']);
    expect(await redis.client.zscore(keys.userConversations('upkeep'), 'b')).toBeNull();

    await redis.client.hset(keys.conversationMeta('upkeep', 'a'), 'mcp_server_ids', '{not json');
    const before = log.lines.length;
    expect((await store.list('upkeep', { limit: 10 })).conversations.map((summary) => summary.id)).toEqual(['d']);
    expect(await store.summary('upkeep', 'a')).toBeUndefined();
    expect(log.lines.slice(before).filter((line) => line.level === 'warn' && line.conversationId === 'a')).toHaveLength(2);
  });
});
