/**
 * Tool approval benchmark over the whole stack (gateway, one agent worker at WORKER_CONCURRENCY=2,
 * mcp-pool, server-everything, model emulator with no delay, Redis):
 *   1. pause cost: one echo tool round with `require_approval` (non-stream) until the answer with
 *      `finish_reason: "approval_required"`, against the same round without approval until its
 *      finished answer, and against a turn of one model round answering text (the pause is one
 *      model round plus the checkpoint, the delayed resume job, the asks and the event);
 *   2. resume latency: from sending `POST /v1/turns/{id}/approvals` (approve, stream: true) to the
 *      continuation's first content byte, and to its end;
 *   3. waiting turns hold nothing: an ordinary turn's latency with none, then N, paused turns
 *      (a worker with 2 slots, so a paused turn holding one would show at once), and the Redis
 *      memory per paused turn (the turn's keys with MEMORY USAGE, the whole key prefix's growth, and
 *      INFO used_memory's, which also counts whatever else uses that Redis).
 * Samples are sequential; 1 and 2 are interleaved (each sample: a turn without approval, a turn that
 * pauses, the answer that resumes it).
 *
 *   npm run bench -- approval
 * Env: BENCH_SAMPLES (200, for 1 and 2), BENCH_PAUSED ("200,1000": the paused turns waiting at each
 *      measurement of 3, cumulative), BENCH_ORDINARY_SAMPLES (100, per measurement of 3),
 *      BENCH_FROM_SOURCE (1: run the services from source through tsx instead of their build).
 */
import { Agent, request } from 'node:http';
import { APPROVAL_REQUIRED_FINISH_REASON } from '@bedrock-mcp/contracts';
import { startStack, STACK_MODEL, type Stack } from '../../tests/e2e/support/stack.js';
import { loadAverage, percentile } from './bench-stats.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SAMPLES = env('BENCH_SAMPLES', 200);
const WARMUP = 10;
const PAUSED_LEVELS = (process.env.BENCH_PAUSED ?? '200,1000').split(',').map(Number);
const ORDINARY_SAMPLES = env('BENCH_ORDINARY_SAMPLES', 100);
const OPEN_CONCURRENCY = 8;
const ANSWER = 'Tool said: Echo: from the model';
const TEXT = 'just text, no tools';

const deadline = setTimeout(() => {
  console.error('benchmark exceeded 170 s; aborting');
  process.exit(1);
}, 170_000);
deadline.unref();

interface Exchange {
  status: number;
  text: string;
  /** ms from sending to the first chunk holding non-empty `"content"` (SSE), if any */
  firstContentMs: number | undefined;
  /** ms from sending to the end of the response */
  endMs: number;
}

/** One POST over a keep-alive agent (node:http: less client overhead than fetch). */
function post(stack: Stack, agent: Agent, path: string, userId: string, body: unknown): Promise<Exchange> {
  const payload = JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${stack.gatewayUrl}${path}`,
      { method: 'POST', agent, headers: { ...stack.headers(userId), 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        let firstContentMs: number | undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (firstContentMs === undefined && /"content":"[^"]/.test(text)) firstContentMs = performance.now() - started;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, firstContentMs, endMs: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Completion {
  id: string;
  choices: Array<{ finish_reason: string; message: { content: string | null; approval_requests?: Array<{ id: string }> } }>;
}

const chat = (approval: boolean, extra: Record<string, unknown> = {}) => ({
  model: STACK_MODEL,
  messages: [{ role: 'user', content: 'echo please' }],
  mcp_server_ids: ['everything'],
  ...(approval ? { require_approval: 'always' } : {}),
  ...extra,
});

/** A turn without approval: the echo round and the model's answer. */
async function ordinaryTurn(stack: Stack, agent: Agent, userId: string): Promise<number> {
  const exchange = await post(stack, agent, '/v1/chat/completions', userId, chat(false));
  const completion = JSON.parse(exchange.text) as Completion;
  if (exchange.status !== 200 || completion.choices[0]?.message.content !== ANSWER) throw new Error(`ordinary turn: ${exchange.status} ${exchange.text.slice(0, 300)}`);
  return exchange.endMs;
}

/** A turn of one model round that answers text, no tools. */
async function textTurn(stack: Stack, agent: Agent, userId: string): Promise<number> {
  const exchange = await post(stack, agent, '/v1/chat/completions', userId, { model: STACK_MODEL, messages: [{ role: 'user', content: 'just talk' }] });
  const completion = JSON.parse(exchange.text) as Completion;
  if (exchange.status !== 200 || completion.choices[0]?.message.content !== TEXT) throw new Error(`text turn: ${exchange.status} ${exchange.text.slice(0, 300)}`);
  return exchange.endMs;
}

/** A turn that pauses at the echo call: ms to the approval_required answer, the turn and its ask. */
async function pausingTurn(stack: Stack, agent: Agent, userId: string): Promise<{ ms: number; turnId: string; askId: string }> {
  const exchange = await post(stack, agent, '/v1/chat/completions', userId, chat(true));
  const completion = JSON.parse(exchange.text) as Completion;
  const choice = completion.choices[0];
  const askId = choice?.message.approval_requests?.[0]?.id;
  if (exchange.status !== 200 || choice?.finish_reason !== APPROVAL_REQUIRED_FINISH_REASON || !askId) throw new Error(`pausing turn: ${exchange.status} ${exchange.text.slice(0, 300)}`);
  return { ms: exchange.endMs, turnId: completion.id, askId };
}

/** Approves the ask with stream: true: ms to the continuation's first content and to its end. */
async function resume(stack: Stack, agent: Agent, userId: string, turnId: string, askId: string): Promise<{ firstMs: number; endMs: number }> {
  const exchange = await post(stack, agent, `/v1/turns/${turnId}/approvals`, userId, { approvals: [{ id: askId, decision: 'approve' }], stream: true });
  if (exchange.status !== 200 || exchange.firstContentMs === undefined || !exchange.text.includes('[DONE]')) throw new Error(`resume: ${exchange.status} ${exchange.text.slice(0, 300)}`);
  return { firstMs: exchange.firstContentMs, endMs: exchange.endMs };
}

async function keysUnder(stack: Stack, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await stack.redis.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

/** Bytes of the given keys by MEMORY USAGE (SAMPLES 0: every element counted). */
async function memoryOf(stack: Stack, keys: readonly string[]): Promise<number> {
  const pipeline = stack.redis.client.pipeline();
  for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
  const results = (await pipeline.exec()) ?? [];
  return results.reduce((sum, [, bytes]) => sum + (Number(bytes) || 0), 0);
}

async function usedMemory(stack: Stack): Promise<number> {
  const info = await stack.redis.client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

const r1 = (value: number) => Math.round(value * 10) / 10;
function stat(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: r1(percentile(sorted, 50)), p95: r1(percentile(sorted, 95)) };
}

const loadAtStart = loadAverage();
const stack = await startStack({
  label: 'approval-bench',
  logLevel: 'error',
  built: process.env.BENCH_FROM_SOURCE !== '1',
  env: { RATE_LIMIT_PER_MINUTE: '10000000', WORKER_CONCURRENCY: '2', MAX_CONCURRENT_TURNS_PER_USER: '100000' },
});
const agent = new Agent({ keepAlive: true, maxSockets: OPEN_CONCURRENCY + 2 });
const rows: Array<[string, string]> = [];
const row = (name: string, value: string) => rows.push([name, value]);
const fmt = (s: { n: number; p50: number; p95?: number }) => `p50 ${s.p50} ms${s.p95 === undefined ? '' : `, p95 ${s.p95} ms`} (n=${s.n})`;
try {
  stack.emulator.script([
    { when: { lastUserText: 'echo please' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'from the model' } }] } },
    { when: { afterToolResult: 'everything__echo' }, reply: (context) => ({ text: `Tool said: ${context.lastToolResultText}` }) },
    { when: { lastUserText: 'just talk' }, reply: { text: TEXT } },
  ]);

  // 1 and 2, interleaved.
  const textOnly: number[] = [];
  const withoutApproval: number[] = [];
  const toPause: number[] = [];
  const resumeFirst: number[] = [];
  const resumeEnd: number[] = [];
  for (let index = -WARMUP; index < SAMPLES; index++) {
    const user = `sampler-${((index % 4) + 4) % 4}`;
    const text = await textTurn(stack, agent, user);
    const plain = await ordinaryTurn(stack, agent, user);
    const paused = await pausingTurn(stack, agent, user);
    const resumed = await resume(stack, agent, user, paused.turnId, paused.askId);
    if (index < 0) continue;
    textOnly.push(text);
    withoutApproval.push(plain);
    toPause.push(paused.ms);
    resumeFirst.push(resumed.firstMs);
    resumeEnd.push(resumed.endMs);
  }
  const textStat = stat(textOnly);
  const plainStat = stat(withoutApproval);
  const pauseStat = stat(toPause);
  const endStat = stat(resumeEnd);
  row('1. echo round, no approval → finished answer', fmt(plainStat));
  row('1. echo round, require_approval → approval_required', fmt(pauseStat));
  row('1. (one model round, text only → answer)', fmt(textStat));
  row('1. pause minus text-only turn (p50): the pausing itself', `${r1(pauseStat.p50 - textStat.p50)} ms`);
  row('2. approvals POST → first content byte (SSE)', fmt(stat(resumeFirst)));
  row('2. approvals POST → end of continuation', fmt(endStat));
  row('1+2. pause + resume minus no-approval turn (p50)', `${r1(pauseStat.p50 + endStat.p50 - plainStat.p50)} ms (the person's time aside)`);
  console.error('1, 2 done');

  // 3. ordinary turns with none paused, then with PAUSED paused turns.
  const ordinary = async () => {
    const samples: number[] = [];
    for (let index = -5; index < ORDINARY_SAMPLES; index++) {
      const ms = await ordinaryTurn(stack, agent, 'ordinary');
      if (index >= 0) samples.push(ms);
    }
    return stat(samples);
  };
  row('3. ordinary turn, 0 paused (WORKER_CONCURRENCY=2)', fmt(await ordinary()));
  const prefix = stack.redis.prefix;
  const prefixBytes = async () => memoryOf(stack, await keysUnder(stack, `${prefix}*`));
  // Growth while opening the paused turns only (the ordinary turns measured in between keep their logs too).
  let prefixGrowth = 0;
  let usedGrowth = 0;
  const pausedTurns: string[] = [];
  for (const level of PAUSED_LEVELS) {
    const prefixBefore = await prefixBytes();
    const usedBefore = await usedMemory(stack);
    const openStarted = performance.now();
    const opened = pausedTurns.length;
    let next = opened;
    await Promise.all(
      Array.from({ length: OPEN_CONCURRENCY }, async () => {
        while (next < level) {
          const index = next++;
          pausedTurns.push((await pausingTurn(stack, agent, `waiter-${index % 20}`)).turnId);
        }
      }),
    );
    const openSeconds = (performance.now() - openStarted) / 1000;
    prefixGrowth += (await prefixBytes()) - prefixBefore;
    usedGrowth += (await usedMemory(stack)) - usedBefore;
    row(`3. ordinary turn, ${level} paused`, `${fmt(await ordinary())}; opening ${level - opened} took ${r1(openSeconds)} s (${OPEN_CONCURRENCY} at a time)`);
  }
  const waiting = pausedTurns.length;
  const sampleTurnKeys = await keysUnder(stack, `${prefix}*${pausedTurns[0]!}*`);
  const perKey = await Promise.all(sampleTurnKeys.map(async (key) => [key.slice(prefix.length).replace(pausedTurns[0]!, '<id>'), await memoryOf(stack, [key])] as const));
  row('3. Redis per paused turn: its own keys (MEMORY USAGE)', `${Math.round(perKey.reduce((sum, [, bytes]) => sum + bytes, 0))} B in ${perKey.length} keys`);
  row(`3. Redis per paused turn: key prefix growth / ${waiting}`, `${Math.round(prefixGrowth / waiting)} B`);
  row(`3. Redis per paused turn: INFO used_memory growth / ${waiting}`, `${Math.round(usedGrowth / waiting)} B (a shared server: others' keys count too)`);
  for (const [key, bytes] of perKey.sort((a, b) => b[1] - a[1])) row(`     ${key}`, `${bytes} B`);
} finally {
  agent.destroy();
  await stack.stop();
}

const width = Math.max(...rows.map(([name]) => name.length));
console.log(`machine: 2 cpus, node ${process.version}, load average at start ${loadAtStart}, at end ${loadAverage()}`);
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
