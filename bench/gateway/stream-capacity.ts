import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, createRedisKeys, type Redis } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, ChatJobSchema, type StreamEvent } from '@bedrock-mcp/contracts';
import { freePort, startTestRedis, TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { createTurnKeys, TurnEventLog } from '@bedrock-mcp/turns';
import { Queue, Worker } from 'bullmq';
import { WebSocket } from 'ws';
import { startServiceProcess, waitUntilReady } from '../../tests/e2e/support/service-process.js';
import { closedLoopLoad, cpuMeter, rssMiB, summarize } from './bench-stats.js';

const MODEL = 'bench-model';
const KEY = 'bench-key';
const now = () => performance.timeOrigin + performance.now();

export interface CapacityLevel {
  sse: number;
  ws: number;
}

/**
 * The gateway process alone: the bench plays the worker (a BullMQ consumer logging events through
 * the real TurnEventLog), so only the gateway is measured.
 *  - non-stream completions/s when every turn is answered at once (the gateway's ceiling);
 *  - how many concurrent SSE and WebSocket streams it holds (one delta per `tickMs` each), and the
 *    delay it adds per chunk: client receive time − the event's log time, against a plain Redis
 *    subscriber's as the baseline.
 */
export async function measureGatewayAlone(options: {
  levels: CapacityLevel[];
  tickMs: number;
  ticks: number;
  ttftSamples: number;
  throughput: { concurrency: number; seconds: number };
}) {
  const redis = await startTestRedis('bench-streams');
  const keys = createRedisKeys(redis.prefix);
  const dir = mkdtempSync(join(tmpdir(), 'bmcp-bench-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ models: [{ model_id: MODEL, model_name: 'bench' }] }));
  const port = await freePort();
  const gateway = startServiceProcess(
    'bench-gateway',
    'gateway',
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      CONFIG_PATH: configPath,
      API_KEY: KEY,
      INTERNAL_API_KEY: TEST_INTERNAL_API_KEY,
      MCP_SERVICE_HOST: '127.0.0.1',
      MCP_SERVICE_PORT: String(port),
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Thousands of streams over 500 users, opened at once, answered by this file's own worker
      // (which frees no concurrent-turn slots): the per-user and pre-auth caps would refuse them.
      MAX_CONCURRENT_TURNS_PER_USER: '1000000',
      WS_MAX_UNAUTHENTICATED: '1000000',
    },
    dir,
    { built: process.env.BENCH_FROM_SOURCE !== '1', nodeArgs: process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) },
  );
  const workerConnection = createRedis(redis.url, 'bench-worker', { maxRetriesPerRequest: null });
  const log = new TurnEventLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 1000, ttlSeconds: 300 });
  const logged = new Map<string, number>();
  let baseline: number[] = [];
  const subscriber = redis.client.duplicate();
  subscriber.on('pmessage', (_pattern: string, _channel: string, json: string) => {
    const event = JSON.parse(json) as StreamEvent;
    if (event.type === 'text_delta') baseline.push(now() - event.ts);
  });
  await subscriber.psubscribe(`${redis.prefix}turn:*:events`);
  const worker = new Worker(
    CHAT_QUEUE_NAME,
    async (job) => {
      const { turnId, model, userId, messages } = ChatJobSchema.parse(job.data);
      // "instant": answer at once (gateway-only throughput); otherwise one delta per tick.
      if (messages.at(-1)?.content === 'instant') {
        await Promise.all([
          log.append({ turnId, type: 'start', model, userId }),
          log.append({ turnId, type: 'round_start', round: 1 }),
          log.append({ turnId, type: 'text_delta', text: 'instant answer' }),
          log.append({ turnId, type: 'usage', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }),
          log.append({ turnId, type: 'done', finishReason: 'end_turn' }),
        ]);
        return;
      }
      const append = async (draft: Parameters<TurnEventLog['append']>[0]) => {
        const event = await log.append(draft);
        logged.set(`${turnId}:${event.seq}`, event.ts);
      };
      await append({ turnId, type: 'start', model, userId });
      await append({ turnId, type: 'round_start', round: 1 });
      for (let tick = 0; tick < options.ticks; tick++) {
        await new Promise((resolve) => setTimeout(resolve, options.tickMs));
        await append({ turnId, type: 'text_delta', text: `tick ${tick} ` });
      }
      await append({ turnId, type: 'done', finishReason: 'end_turn' });
    },
    { connection: workerConnection, prefix: keys.bullPrefix, concurrency: 20_000 },
  );

  const results = [];
  let gatewayOnly: Awaited<ReturnType<typeof gatewayOnlyThroughput>> | undefined;
  let gatewayTtft: Awaited<ReturnType<typeof gatewayShareOfTtft>> | undefined;
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, gateway);
    const pid = gateway.child.pid!;
    gatewayTtft = await gatewayShareOfTtft(`http://127.0.0.1:${port}`, redis.client, redis.prefix, options.ttftSamples);
    gatewayOnly = await gatewayOnlyThroughput(`http://127.0.0.1:${port}`, pid, options.throughput);
    for (const level of options.levels) {
      baseline = [];
      const sseDelays: number[] = [];
      const wsDelays: number[] = [];
      let completed = 0;
      let failed = 0;
      let peakRss = 0;
      const cpu = cpuMeter({ gateway: pid });
      const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 250);
      const body = (i: number) => JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: `stream ${i}` }] });

      const sse = async (i: number) => {
        const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'x-user-id': `sse-${i % 500}`, 'content-type': 'application/json' },
          body: body(i),
        });
        const turnId = response.headers.get('x-stream-id');
        const decoder = new TextDecoder();
        let buffered = '';
        let done = false;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          const at = now();
          buffered += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const seq = /^id: (\d+)/.exec(block)?.[1];
            if (block.includes('data: [DONE]')) done = true;
            else if (seq && block.includes('tick ')) sseDelays.push(at - logged.get(`${turnId}:${seq}`)!);
          }
        }
        if (!done) throw new Error('stream ended without [DONE]');
      };
      const ws = (i: number) =>
        new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
          socket.on('error', reject);
          socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', apiKey: KEY, userId: `ws-${i % 500}` })));
          socket.on('message', (data) => {
            const at = now();
            const frame = JSON.parse(data.toString()) as { type: string; event?: StreamEvent };
            if (frame.type === 'ready') socket.send(JSON.stringify({ type: 'chat', requestId: String(i), body: JSON.parse(body(i)) }));
            else if (frame.type === 'event' && frame.event?.type === 'text_delta') wsDelays.push(at - frame.event.ts);
            else if (frame.type === 'event' && frame.event?.type === 'done') {
              socket.close();
              resolve();
            } else if (frame.type === 'error') reject(new Error(JSON.stringify(frame)));
          });
        });

      const started = performance.now();
      const all: Array<Promise<void>> = [];
      const total = Math.max(level.sse, level.ws);
      for (let i = 0; i < total; i++) {
        if (i < level.sse) all.push(sse(i));
        if (i < level.ws) all.push(ws(i));
        // Open in batches so the ramp is not one burst of thousands of handshakes.
        if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const settled = await Promise.allSettled(all);
      for (const outcome of settled) {
        if (outcome.status === 'fulfilled') completed += 1;
        else failed += 1;
      }
      clearInterval(rssTimer);
      results.push({
        streams: level,
        completed,
        failed,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        gatewayPeakRssMiB: peakRss,
        gatewayCpuSeconds: cpu().gateway,
        chunkDelayMs: { sse: summarize(sseDelays), ws: summarize(wsDelays), redisBaseline: summarize(baseline) },
      });
      logged.clear();
    }
  } finally {
    await worker.close();
    workerConnection.disconnect();
    subscriber.disconnect();
    await gateway.stop();
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { gatewayShareOfTtft: gatewayTtft, gatewayOnlyNonStream: gatewayOnly, streams: results };
}

/** Non-stream completions/s of the gateway alone (the bench answers each turn at once). */
async function gatewayOnlyThroughput(url: string, pid: number, options: { concurrency: number; seconds: number }) {
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'instant' }] });
  const headers = (client: number) => ({ authorization: `Bearer ${KEY}`, 'x-user-id': `only-${client}`, 'content-type': 'application/json' });
  const load = await closedLoopLoad({
    ...options,
    warmupSeconds: 2,
    pids: { gateway: pid, 'bench (client + scripted worker)': process.pid },
    request: async (client) => {
      const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: headers(client), body });
      return response.status === 200 && ((await response.json()) as { choices?: unknown[] }).choices?.length === 1;
    },
  });
  return {
    concurrency: options.concurrency,
    completionsPerSecond: load.perSecond,
    failed: load.failed,
    cpuSecondsInWindow: load.cpuSecondsInWindow,
    gatewayCpuMsPerCompletion: load.cpuMsPerCompletion.gateway,
  };
}

/**
 * The gateway's own share of time to first token: an SSE request answered at once by the bench's
 * worker, minus the same turn enqueued and awaited directly on Redis (no gateway in between).
 */
async function gatewayShareOfTtft(url: string, redis: Redis, prefix: string, samples: number) {
  const keys = { ...createRedisKeys(prefix), ...createTurnKeys(prefix) };
  const queue = new Queue(CHAT_QUEUE_NAME, { connection: redis, prefix: keys.bullPrefix });
  const subscriber = redis.duplicate();
  const viaGateway: number[] = [];
  const direct: number[] = [];
  const throughGateway = async () => {
    const started = performance.now();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'x-user-id': 'ttft', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'instant' }] }),
    });
    let first = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (!first && Buffer.from(chunk).toString().includes('instant answer')) first = performance.now() - started;
    }
    return first;
  };
  const withoutGateway = async (i: number) => {
    const turnId = `chatcmpl-benchdirect${i.toString().padStart(6, '0')}`;
    const started = performance.now();
    const firstText = new Promise<number>((resolve) => {
      const onMessage = (_channel: string, json: string) => {
        if (json.includes('"text_delta"')) {
          subscriber.off('message', onMessage);
          resolve(performance.now() - started);
        }
      };
      subscriber.on('message', onMessage);
    });
    await subscriber.subscribe(keys.turnChannel(turnId));
    const job = { turnId, userId: 'ttft', model: MODEL, messages: [{ role: 'user', content: 'instant' }], mcpServerIds: [], keepSession: false, maxTokens: 100, thinking: { enabled: false, budgetTokens: 1024 }, onlyNMostRecentImages: 3, createdAt: Date.now() };
    await queue.add('chat', ChatJobSchema.parse(job), { jobId: turnId, removeOnComplete: true });
    const elapsed = await firstText;
    await subscriber.unsubscribe(keys.turnChannel(turnId));
    return elapsed;
  };
  for (let i = 0; i < 20; i++) {
    await throughGateway();
    await withoutGateway(-i - 1);
  }
  for (let i = 0; i < samples; i++) {
    viaGateway.push(await throughGateway());
    direct.push(await withoutGateway(i));
  }
  await queue.close();
  subscriber.disconnect();
  const g = summarize(viaGateway);
  const d = summarize(direct);
  return { viaGatewayMs: g, directOnRedisMs: d, addedP50Ms: Math.round((g.p50 - d.p50) * 1000) / 1000, addedP99Ms: Math.round((g.p99 - d.p99) * 1000) / 1000 };
}
