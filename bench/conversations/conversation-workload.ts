import type { RedisConversationStore } from '@bedrock-mcp/config-store';
import type { ConversationMessage } from '@bedrock-mcp/contracts';
import { summarize } from '../gateway/bench-stats.js';

export const BENCH_USER = 'bench-user';
export const PAGE = 20;
/** The conversations the open measurements read: 20 messages, and 2,000 (the last 200 read). */
export const TWENTY_MESSAGES = 'twenty';
const TWO_THOUSAND_MESSAGES = 'two-thousand';
/** Messages an open reads (the gateway's default message_limit). */
export const OPEN_LIMIT = 200;
/** In 1 of every 50 conversations' first question; the reads search it in another case. */
const SEARCH_HIT = 'pelican';
const SEED_CONCURRENCY = 64;

const filler = (length: number, seed: number) => {
  const words = ['river', 'model', 'table', 'orange', 'signal', 'garden', 'number', 'window', 'planet', 'copper'];
  const out: string[] = [];
  for (let index = 0; out.join(' ').length < length; index += 1) out.push(words[(seed * 7 + index * 3) % words.length]!);
  return out.join(' ');
};

let messageSeq = 0;
const message = (role: 'user' | 'assistant', text: string, now: number): ConversationMessage => ({
  id: `msg_${String(++messageSeq).padStart(12, '0')}`,
  role,
  created_at: now,
  parts: [{ type: 'text', text }],
  ...(role === 'assistant' ? { model: 'bench-model', finish_reason: 'end_turn' as const } : {}),
});

/** One exchange written as the agent worker writes it: the question at the turn's start, the answer at its end. */
async function exchange(store: RedisConversationStore, conversationId: string, question: string, answer: string, now: number) {
  const turnId = `chatcmpl-${String(messageSeq).padStart(12, '0')}`;
  await store.startTurn(BENCH_USER, conversationId, { turnId, message: message('user', question, now), blobs: [], model: 'bench-model', mcpServerIds: [], replaceLast: false, now });
  await store.finishTurn(BENCH_USER, conversationId, { message: message('assistant', answer, now + 1), blobs: [], now: now + 1 });
}

/**
 * `count` conversations of two exchanges each (a ~100-character question, a ~600-character
 * answer; every 50th's first question holds the search word), then one of 20 messages and one
 * of 2,000 — all for BENCH_USER, through the real store.
 */
export async function seedConversations(store: RedisConversationStore, count: number): Promise<void> {
  const base = Date.now() - count * 10;
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      for (let index = next++; index < count; index = next++) {
        const id = `c-${String(index).padStart(6, '0')}`;
        const marker = index % 50 === 0 ? ` ${SEARCH_HIT}` : '';
        await exchange(store, id, `${filler(100, index)}${marker}?`, filler(600, index + 1), base + index * 10);
        await exchange(store, id, filler(100, index + 2), filler(600, index + 3), base + index * 10 + 2);
      }
    }),
  );
  for (let index = 0; index < 10; index += 1) await exchange(store, TWENTY_MESSAGES, filler(100, index), filler(600, index), Date.now());
  for (let index = 0; index < 1000; index += 1) await exchange(store, TWO_THOUSAND_MESSAGES, filler(100, index), filler(600, index), Date.now());
}

/** The reads measured, as one side sees them (the store's caller, or a client of the gateway). */
export interface ConversationReads {
  /** A page of BENCH_USER's conversations (PAGE of them): how many came, and the next page's cursor. */
  list(options: { cursor?: string; query?: string }): Promise<{ count: number; nextCursor: string | null }>;
  /** The last `OPEN_LIMIT` messages of one conversation: how many came. */
  open(conversationId: string): Promise<{ messageCount: number }>;
}

interface Latency {
  p50: number;
  p99: number;
  n: number;
}

/** Sequential samples after a short warm-up: p50/p99 of each call as its caller sees it (ms). */
async function measure(label: string, samples: number, run: () => Promise<unknown>): Promise<Latency> {
  for (let index = 0; index < Math.min(10, samples); index += 1) await run();
  const latencies: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const started = performance.now();
    await run();
    latencies.push(performance.now() - started);
  }
  const { p50, p99, n } = summarize(latencies);
  console.log(`  ${label.padEnd(44)} p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  (n=${n})`);
  return { p50, p99, n };
}

const expectCount = (what: string, actual: number, expected: number) => {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
};

/**
 * One client, sequential: list the first page, page 50 (from the cursor of page 49, walked once),
 * search a word in 1 of 50 conversations and one in none, open 20 messages and the last 200 of 2,000.
 */
export async function measureReads(reads: ConversationReads, samples: number) {
  const firstPage = await measure('list, first page (20)', samples, () => reads.list({}));
  let cursor: string | undefined;
  for (let page = 1; page < 50; page += 1) cursor = (await reads.list(cursor ? { cursor } : {})).nextCursor ?? undefined;
  if (!cursor) throw new Error('fewer than 50 pages');
  const page50Cursor = cursor;
  expectCount('page 50', (await reads.list({ cursor: page50Cursor })).count, PAGE);
  const page50 = await measure('list, page 50 (from the cursor of page 49)', samples, () => reads.list({ cursor: page50Cursor }));
  expectCount('search hits', (await reads.list({ query: SEARCH_HIT.toUpperCase() })).count, PAGE);
  const searchHit = await measure('search hit (1 in 50 match), first page', samples, () => reads.list({ query: SEARCH_HIT }));
  expectCount('search miss', (await reads.list({ query: 'no-such-word' })).count, 0);
  const searchMiss = await measure('search miss (reads all)', Math.max(10, Math.round(samples / 10)), () => reads.list({ query: 'no-such-word' }));
  expectCount('open 20', (await reads.open(TWENTY_MESSAGES)).messageCount, 20);
  const open20 = await measure('open, 20 messages', samples, () => reads.open(TWENTY_MESSAGES));
  expectCount('open 2,000', (await reads.open(TWO_THOUSAND_MESSAGES)).messageCount, OPEN_LIMIT);
  const open2000 = await measure('open, last 200 of 2,000 messages', samples, () => reads.open(TWO_THOUSAND_MESSAGES));
  return { firstPage, page50, searchHit, searchMiss, open20, open2000 };
}
