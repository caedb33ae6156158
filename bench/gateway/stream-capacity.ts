import { createRedis, createRedisKeys, type Redis } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, ChatJobSchema, type StreamEvent } from '@bedrock-mcp/contracts';
import { startTestRedis, TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { createTurnKeys, splitPublishedEvents, TurnEventLog } from '@bedrock-mcp/turns';
import { Queue, Worker } from 'bullmq';
import { WebSocket } from 'ws';
import { launchBenchGateway } from './bench-gateway.js';
import { closedLoopLoad, cpuMeter, rssKiB, rssMiB, summarize } from './bench-stats.js';

const MODEL = 'bench-model';
const KEY = 'bench-key';
const now = () => performance.timeOrigin + performance.now();

export interface CapacityLevel {
  sse: number;
  ws: number;
}

export interface StreamTicks {
  /** Milliseconds between the scripted worker's appends to each turn. */
  tickMs: number;
  /** Appends per turn. */
  ticks: number;
  /** Text deltas per append (one appendMany, one round trip): events per stream per tick. */
  deltasPerTick: number;
}

/**
 * The gateway process alone: the bench plays the worker (a BullMQ consumer logging events through
 * the real TurnEventLog), so only the gateway is measured.
 *  - its share of time to first token and its non-stream completions/s when every turn is answered
 *    at once (the gateway's ceiling), unless `streamsOnly`;
 *  - per level of concurrent SSE and WebSocket streams (`deltasPerTick` deltas per `tickMs` each):
 *    the text deltas per second the clients received while every stream was open, the delay the
 *    gateway adds per chunk (client receive time − the event's log time, against a plain Redis
 *    subscriber's as the baseline), its CPU, and its RSS and heap per open stream.
 */
export async function measureGatewayAlone(options: {
  levels: CapacityLevel[];
  stream: StreamTicks;
  ttftSamples: number;
  throughput: { concurrency: number; seconds: number };
  streamsOnly?: boolean;
}) {
  const redis = await startTestRedis('bench-streams');
  const keys = createRedisKeys(redis.prefix);
  const gateway = await launchBenchGateway(redis, {
    apiKey: KEY,
    model: MODEL,
    env: {
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Thousands of streams over 500 users, opened at once, answered by this file's own worker
      // (which frees no concurrent-turn slots): the per-user and pre-auth caps would refuse them.
      MAX_CONCURRENT_TURNS_PER_USER: '1000000',
      WS_MAX_UNAUTHENTICATED: '1000000',
    },
  });
  const { port } = gateway;
  const { tickMs, ticks, deltasPerTick } = options.stream;
  const workerConnection = createRedis(redis.url, 'bench-worker', { maxRetriesPerRequest: null });
  const log = new TurnEventLog(redis.client, createTurnKeys(redis.prefix), { maxEvents: 1000, ttlSeconds: 300 });
  const logged = new Map<string, number>();
  let baseline: number[] = [];
  const subscriber = redis.client.duplicate();
  subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const at = now();
    for (const json of splitPublishedEvents(message)) {
      const event = JSON.parse(json) as StreamEvent;
      if (event.type === 'text_delta') baseline.push(at - event.ts);
    }
  });
  await subscriber.psubscribe(`${redis.prefix}turn:*:events`);
  const worker = new Worker(
    CHAT_QUEUE_NAME,
    async (job) => {
      const { turnId, model, userId, messages } = ChatJobSchema.parse(job.data);
      // "instant": answer at once (gateway-only throughput); otherwise `deltasPerTick` deltas per tick.
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
      await log.append({ turnId, type: 'start', model, userId });
      await log.append({ turnId, type: 'round_start', round: 1 });
      for (let tick = 0; tick < ticks; tick++) {
        await new Promise((resolve) => setTimeout(resolve, tickMs));
        const texts = Array.from({ length: deltasPerTick }, (_, delta) => `tick ${tick}.${delta} `);
        // Noted before the append (appendMany stamps `ts` with Date.now() as it starts): the gateway
        // may deliver an event before the script's reply reaches this worker.
        const ts = Date.now();
        for (const text of texts) logged.set(`${turnId}:${text}`, ts);
        await log.appendMany(
          turnId,
          texts.map((text) => ({ turnId, type: 'text_delta' as const, text })),
        );
      }
      await log.append({ turnId, type: 'done', finishReason: 'end_turn' });
    },
    { connection: workerConnection, prefix: keys.bullPrefix, concurrency: 20_000 },
  );

  const results = [];
  let gatewayOnly: Awaited<ReturnType<typeof gatewayOnlyThroughput>> | undefined;
  let gatewayTtft: Awaited<ReturnType<typeof gatewayShareOfTtft>> | undefined;
  try {
    await gateway.ready();
    const pid = gateway.process.child.pid!;
    if (!options.streamsOnly) {
      gatewayTtft = await gatewayShareOfTtft(`http://127.0.0.1:${port}`, redis.client, redis.prefix, options.ttftSamples);
      gatewayOnly = await gatewayOnlyThroughput(`http://127.0.0.1:${port}`, pid, options.throughput);
    }
    for (const level of options.levels) {
      baseline = [];
      const sseDelays: number[] = [];
      const wsDelays: number[] = [];
      let completed = 0;
      let failed = 0;
      let peakRss = 0;
      const idle = { rssMiB: rssKiB(pid) / 1024, heapMiB: await heapUsedMiB(gateway.url) };
      const streams = level.sse + level.ws;
      // The steady window: from the moment every stream has had its first delta to the first `done`.
      let streaming = 0;
      let delivered = 0;
      let rampSeconds: number | undefined;
      let window: { startedAt: number; delivered: number; cpu: () => Record<string, number>; open: Promise<{ rssMiB: number; heapMiB: number }> } | undefined;
      let measured: { seconds: number; delivered: number; cpuSeconds: Record<string, number> } | undefined;
      const onDelta = (first: boolean) => {
        delivered += 1;
        if (first && ++streaming === streams) {
          rampSeconds = (performance.now() - started) / 1000;
          window = {
            startedAt: performance.now(),
            delivered,
            cpu: cpuMeter({ gateway: pid, 'bench (clients + scripted worker)': process.pid }),
            open: heapUsedMiB(gateway.url).then((heapMiB) => ({ rssMiB: rssKiB(pid) / 1024, heapMiB })),
          };
        }
      };
      const onDone = () => {
        if (!window || measured) return;
        measured = { seconds: (performance.now() - window.startedAt) / 1000, delivered: delivered - window.delivered, cpuSeconds: window.cpu() };
      };
      const started = performance.now();
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
        let first = true;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          const at = now();
          buffered += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const text = /"content":"(tick [^"]*)"/.exec(block)?.[1];
            if (block.includes('data: [DONE]')) {
              done = true;
              onDone();
            } else if (text) {
              sseDelays.push(at - logged.get(`${turnId}:${text}`)!);
              onDelta(first);
              first = false;
            }
          }
        }
        if (!done) throw new Error('stream ended without [DONE]');
      };
      const ws = (i: number) =>
        new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
          let first = true;
          socket.on('error', reject);
          socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', apiKey: KEY, userId: `ws-${i % 500}` })));
          socket.on('message', (data) => {
            const at = now();
            const frame = JSON.parse(data.toString()) as { type: string; event?: StreamEvent };
            if (frame.type === 'ready') socket.send(JSON.stringify({ type: 'chat', requestId: String(i), body: JSON.parse(body(i)) }));
            else if (frame.type === 'event' && frame.event?.type === 'text_delta') {
              wsDelays.push(at - frame.event.ts);
              onDelta(first);
              first = false;
            } else if (frame.type === 'event' && frame.event?.type === 'done') {
              onDone();
              socket.close();
              resolve();
            } else if (frame.type === 'error') reject(new Error(JSON.stringify(frame)));
          });
        });

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
      const open = await window?.open;
      const delays = { sse: summarize(sseDelays), ws: summarize(wsDelays), redisBaseline: summarize(baseline) };
      const everyDelay = summarize([...sseDelays, ...wsDelays]);
      const round = (value: number) => Math.round(value * 1000) / 1000;
      results.push({
        streams: level,
        completed,
        failed,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        rampSeconds: rampSeconds && round(rampSeconds),
        offeredEventsPerSecond: Math.round((streams * deltasPerTick * 1000) / tickMs),
        steady: measured
          ? {
              seconds: round(measured.seconds),
              eventsPerSecondDelivered: Math.round(measured.delivered / measured.seconds),
              gatewayCpuPercent: Math.round((measured.cpuSeconds.gateway! / measured.seconds) * 100),
              // The gateway's CPU per event: what is comparable across runs on a busy machine.
              gatewayCpuUsPerEvent: round((measured.cpuSeconds.gateway! * 1e6) / Math.max(1, measured.delivered)),
              benchCpuPercent: Math.round((measured.cpuSeconds['bench (clients + scripted worker)']! / measured.seconds) * 100),
            }
          : 'no moment with every stream open (the ramp outlasted a stream: raise BENCH_STREAM_TICKS)',
        addedChunkDelayMs: { p50: round(everyDelay.p50 - delays.redisBaseline.p50), p99: round(everyDelay.p99 - delays.redisBaseline.p99) },
        gatewayMemory: open && {
          idleRssMiB: Math.round(idle.rssMiB),
          openRssMiB: Math.round(open.rssMiB),
          rssKiBPerStream: Math.round(((open.rssMiB - idle.rssMiB) * 1024) / streams),
          idleHeapMiB: Math.round(idle.heapMiB * 10) / 10,
          openHeapMiB: Math.round(open.heapMiB * 10) / 10,
          heapKiBPerStream: Math.round(((open.heapMiB - idle.heapMiB) * 1024) / streams),
        },
        gatewayPeakRssMiB: peakRss,
        gatewayCpuSeconds: cpu().gateway,
        chunkDelayMs: delays,
      });
      logged.clear();
    }
  } finally {
    await worker.close();
    workerConnection.disconnect();
    subscriber.disconnect();
    await gateway.stop();
    await redis.close();
  }
  return { gatewayShareOfTtft: gatewayTtft, gatewayOnlyNonStream: gatewayOnly, stream: options.stream, streams: results };
}

type StreamLevelResult = Awaited<ReturnType<typeof measureGatewayAlone>>['streams'][number];

/** The stream levels as a short Markdown table. */
export function streamCapacityTable(stream: StreamTicks, levels: readonly StreamLevelResult[]): string {
  const rows = levels.map((level) => {
    const steady = typeof level.steady === 'string' ? undefined : level.steady;
    const memory = level.gatewayMemory;
    return [
      `${level.streams.sse} + ${level.streams.ws}`,
      `${level.completed}/${level.completed + level.failed}`,
      level.offeredEventsPerSecond,
      steady?.eventsPerSecondDelivered ?? '–',
      `${level.addedChunkDelayMs.p50} / ${level.addedChunkDelayMs.p99}`,
      steady ? `${steady.gatewayCpuPercent} % (${Math.round(steady.gatewayCpuUsPerEvent)} µs/event)` : '–',
      memory ? `${memory.rssKiBPerStream} / ${memory.heapKiBPerStream}` : '–',
    ].join(' | ');
  });
  return [
    `Gateway alone, ${stream.deltasPerTick} delta(s) per ${stream.tickMs} ms per stream, ${stream.ticks} ticks:`,
    '',
    '| streams (SSE + WS) | completed | offered events/s | delivered events/s | added delay p50 / p99 (ms) | gateway CPU (per event) | KiB per stream (RSS / heap) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/**
 * The gateway's V8 heap in use, MiB, from its /metrics (prom-client's default metrics). No GC is
 * forced first, so garbage not yet collected counts too: per stream, an upper bound.
 */
async function heapUsedMiB(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
  const bytes = Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
  return bytes / 1024 / 1024;
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
