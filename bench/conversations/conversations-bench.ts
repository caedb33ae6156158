/**
 * Conversations at 10,000 for one user (each a few messages: two exchanges of a ~100-character
 * question and a ~600-character answer), seeded through the Redis conversation store on the
 * local Redis, then read twice the same way (conversation-workload.ts):
 *   1. from the store directly (Redis round trips included);
 *   2. as a client sees it: GET /v1/conversations and /v1/conversations/{id} over HTTP to the
 *      gateway process (from its build) with the user's personal API key;
 * each one client, sequential: the first page (20), page 50 (from the cursor of page 49), a
 * search for a word in 1 of every 50 conversations (the first page reads ~1,000 of them) and for
 * one in none (reads all 10,000), open a conversation of 20 messages and the last 200 of 2,000.
 * Then BENCH_CLIENTS concurrent clients through the gateway: requests/s for the first page and
 * for opening the 20-message conversation.
 *
 *   npm run bench -- conversations
 * Env: BENCH_CONVERSATIONS (10000), BENCH_SAMPLES (200; a tenth of it for search misses),
 *      BENCH_CLIENTS (16), BENCH_SECONDS (5 per concurrent run), BENCH_FROM_SOURCE (1: the gateway from source).
 */
import { createRedisKeys } from '@bedrock-mcp/common';
import { RedisConversationStore } from '@bedrock-mcp/config-store';
import { startTestRedis } from '@bedrock-mcp/test-support';
import { Agent } from 'node:http';
import { loadAverage } from '../gateway/bench-stats.js';
import { BENCH_USER, measureReads, OPEN_LIMIT, PAGE, seedConversations, TWENTY_MESSAGES, type ConversationReads } from './conversation-workload.js';
import { measureConcurrentReads, startConversationGateway } from './gateway-conversation-reads.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CONVERSATIONS = env('BENCH_CONVERSATIONS', 10_000);
const SAMPLES = env('BENCH_SAMPLES', 200);
const CLIENTS = env('BENCH_CLIENTS', 16);
const SECONDS = env('BENCH_SECONDS', 5);

const deadline = setTimeout(() => {
  console.error('benchmark exceeded 170 s; aborting');
  process.exit(1);
}, 170_000);
deadline.unref();

function storeReads(store: RedisConversationStore): ConversationReads {
  return {
    async list({ cursor, query }) {
      const page = await store.list(BENCH_USER, { limit: PAGE, ...(cursor ? { cursor } : {}), ...(query ? { query } : {}) });
      return { count: page.conversations.length, nextCursor: page.nextCursor };
    },
    async open(conversationId) {
      const conversation = await store.get(BENCH_USER, conversationId, { messageLimit: OPEN_LIMIT });
      return { messageCount: conversation?.messages.length ?? 0 };
    },
  };
}

async function main() {
  console.log(`load ${loadAverage()}`);
  const redis = await startTestRedis('bench-conversations');
  const store = new RedisConversationStore({ redis: redis.client, keys: createRedisKeys(redis.prefix) });
  try {
    const seedStarted = performance.now();
    await seedConversations(store, CONVERSATIONS);
    const memory = (await redis.client.info('memory')).match(/used_memory_human:(\S+)/)?.[1];
    console.log(`seeded ${CONVERSATIONS + 2} conversations in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (Redis used_memory ${memory}); load ${loadAverage()}`);

    console.log('the store, directly:');
    await measureReads(storeReads(store), SAMPLES);

    const gateway = await startConversationGateway(redis);
    try {
      console.log('through the gateway over HTTP (personal API key), one client:');
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      await measureReads(gateway.reads(agent), SAMPLES).finally(() => agent.destroy());
      console.log(`through the gateway, ${CLIENTS} concurrent clients, ${SECONDS} s each:`);
      await measureConcurrentReads('list, first page (20)', gateway, { concurrency: CLIENTS, seconds: SECONDS }, async (reads) => (await reads.list({})).count === PAGE);
      await measureConcurrentReads('open, 20 messages', gateway, { concurrency: CLIENTS, seconds: SECONDS }, async (reads) => (await reads.open(TWENTY_MESSAGES)).messageCount === 20);
    } finally {
      await gateway.close();
    }
    console.log(`load ${loadAverage()}`);
  } finally {
    await store.close();
    await redis.close();
  }
}

await main();
