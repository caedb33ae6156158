import { createRedis, createRedisKeys, type Redis } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, ChatJobSchema } from '@bedrock-mcp/contracts';
import { startTestRedis, TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { createTurnKeys, TurnEventLog } from '@bedrock-mcp/turns';
import { Queue, Worker } from 'bullmq';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchBenchGateway } from './bench-gateway.js';
import { closedLoopLoad, cpuMeter, rssKiB, rssMiB, summarize } from './bench-stats.js';
import { monotonicMs, stampedDelta, STREAM_CLIENTS_ROLE, type StreamClientsMessage, type StreamClientsStart } from './stream-clients.js';

const MODEL = 'bench-model';
const KEY = 'bench-key';
const STREAM_CLIENTS_FILE = fileURLToPath(new URL('./stream-clients.ts', import.meta.url));

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
 *  - per level of concurrent SSE and WebSocket streams (`deltasPerTick` deltas per `tickMs` each),
 *    over the steady window (every stream open: from the last stream's first delta to the first
 *    stream's end): the text deltas per second the clients received, the delay the gateway adds
 *    per chunk (client receive time − the event's log time, against a plain Redis subscriber's as
 *    the baseline), its CPU, and its RSS and heap per open stream. The clients run in
 *    `clientProcesses` processes of their own (stream-clients.ts), the scripted worker here.
 */
export async function measureGatewayAlone(options: {
  levels: CapacityLevel[];
  stream: StreamTicks;
  ttftSamples: number;
  /** Processes the stream clients are spread over (stream-clients.ts), so the harness is not the limit. */
  clientProcesses: number;
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
      // On a fixed schedule from the stream's start (not tickMs after the last append returned), so
      // the offered rate is the rate asked for.
      const begun = performance.now();
      for (let tick = 0; tick < ticks; tick++) {
        await new Promise((resolve) => setTimeout(resolve, begun + (tick + 1) * tickMs - performance.now()));
        // Stamped before the append: the gateway may deliver an event before the script's reply reaches this worker.
        const texts = Array.from({ length: deltasPerTick }, (_, delta) => stampedDelta(tick, delta));
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
      let peakRss = 0;
      const idle = { rssMiB: rssKiB(pid) / 1024, heapMiB: await heapUsedMiB(gateway.url) };
      const streams = level.sse + level.ws;
      const clients = await forkStreamClients(options.clientProcesses, level, port, { redisUrl: redis.url, pattern: `${redis.prefix}turn:*:events` });
      const clientPids = Object.fromEntries(clients.map((client) => [client.name, client.child.pid!]));
      // The steady window: from the moment every stream has had its first delta to the first `done`.
      let streaming = 0;
      let rampSeconds: number | undefined;
      let window: { startedAt: number; cpu: () => Record<string, number>; open: Promise<{ rssMiB: number; heapMiB: number }>; metrics: Promise<string> } | undefined;
      let measured: { startedAt: number; endedAt: number; cpuSeconds: Record<string, number>; metrics: Promise<string> } | undefined;
      const started = monotonicMs();
      const cpu = cpuMeter({ gateway: pid });
      const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 250);
      const settled = await Promise.all(
        clients.map((client) =>
          client.run({
            onFirst: () => {
              if (++streaming < streams) return;
              rampSeconds = (monotonicMs() - started) / 1000;
              window = {
                startedAt: monotonicMs(),
                cpu: cpuMeter({ gateway: pid, 'bench (scripted worker)': process.pid, ...clientPids }),
                open: heapUsedMiB(gateway.url).then((heapMiB) => ({ rssMiB: rssKiB(pid) / 1024, heapMiB })),
                metrics: gatewayMetrics(gateway.url),
              };
            },
            onDone: () => {
              if (!window || measured) return;
              measured = { startedAt: window.startedAt, endedAt: monotonicMs(), cpuSeconds: window.cpu(), metrics: gatewayMetrics(gateway.url) };
            },
          }),
        ),
      );
      clearInterval(rssTimer);
      const completed = settled.reduce((sum, outcome) => sum + outcome.completed, 0);
      const failed = settled.reduce((sum, outcome) => sum + outcome.failed, 0);
      const firstError = settled.find((outcome) => outcome.firstError)?.firstError;
      const reports = await Promise.all(clients.map((client) => client.report(measured ? { windowStart: measured.startedAt, windowEnd: measured.endedAt } : { windowStart: 0, windowEnd: -1 })));
      const sseDelays = reports.flatMap((report) => report.sseDelaysMs);
      const wsDelays = reports.flatMap((report) => report.wsDelaysMs);
      const deliveredInWindow = sseDelays.length + wsDelays.length;
      const baselineDelays = reports.flatMap((report) => report.baselineDelaysMs);
      const steadySeconds = measured ? (measured.endedAt - measured.startedAt) / 1000 : 0;
      const clientCpuSeconds = measured ? Object.keys(clientPids).filter((name) => name.startsWith('stream clients')).reduce((sum, name) => sum + measured!.cpuSeconds[name]!, 0) : 0;
      const open = await window?.open;
      const runtime = window && measured ? runtimeBetween(await window.metrics, await measured.metrics) : undefined;
      const delays = { sse: summarize(sseDelays), ws: summarize(wsDelays), redisBaseline: summarize(baselineDelays) };
      const everyDelay = summarize([...sseDelays, ...wsDelays]);
      const round = (value: number) => Math.round(value * 1000) / 1000;
      results.push({
        streams: level,
        completed,
        failed,
        ...(firstError ? { firstError } : {}),
        seconds: Math.round((monotonicMs() - started) / 100) / 10,
        rampSeconds: rampSeconds && round(rampSeconds),
        offeredEventsPerSecond: Math.round((streams * deltasPerTick * 1000) / tickMs),
        steady: measured
          ? {
              seconds: round(steadySeconds),
              eventsPerSecondDelivered: Math.round(deliveredInWindow / steadySeconds),
              gatewayCpuPercent: Math.round((measured.cpuSeconds.gateway! / steadySeconds) * 100),
              // The gateway's CPU per event: what is comparable across runs on a busy machine.
              gatewayCpuUsPerEvent: round((measured.cpuSeconds.gateway! * 1e6) / Math.max(1, deliveredInWindow)),
              workerCpuPercent: Math.round((measured.cpuSeconds['bench (scripted worker)']! / steadySeconds) * 100),
              clientsCpuPercent: Math.round((clientCpuSeconds / steadySeconds) * 100),
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
        gatewayRuntimeInWindow: runtime,
        gatewayPeakRssMiB: peakRss,
        gatewayCpuSeconds: cpu().gateway,
        chunkDelayMs: delays,
      });
    }
  } finally {
    await worker.close();
    workerConnection.disconnect();
    await gateway.stop();
    await redis.close();
  }
  return { gatewayShareOfTtft: gatewayTtft, gatewayOnlyNonStream: gatewayOnly, stream: options.stream, streams: results };
}

interface StreamClients {
  child: ChildProcess;
  /** `stream clients N`, or `baseline subscriber`. */
  name: string;
  /** Resolves once the process is loaded and listening. */
  ready: Promise<unknown>;
  /** Opens the process's streams; resolves when all have ended. */
  run(handlers: { onFirst(): void; onDone(): void }): Promise<Extract<StreamClientsMessage, { type: 'settled' }>>;
  /** The delays of the deltas it received inside the window; the process is then ended. */
  report(window: { windowStart: number; windowEnd: number }): Promise<Extract<StreamClientsMessage, { type: 'report' }>>;
}

/**
 * `count` client processes, the level's streams dealt out round-robin (stream i to process i % count),
 * and one more with the bare subscriber of the baseline.
 */
async function forkStreamClients(count: number, level: CapacityLevel, port: number, baseline: { redisUrl: string; pattern: string }): Promise<StreamClients[]> {
  const share = (streams: number, index: number) => Array.from({ length: streams }, (_, i) => i).filter((i) => i % count === index);
  const clients = Array.from({ length: count + 1 }, (_, index): StreamClients => {
    const child = fork(STREAM_CLIENTS_FILE, [STREAM_CLIENTS_ROLE], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: 'inherit' });
    const name = index < count ? `stream clients ${index + 1}` : 'baseline subscriber';
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before its report`))));
    exited.catch(() => undefined);
    const next = <T extends StreamClientsMessage['type']>(type: T, handlers?: { onFirst(): void; onDone(): void }) =>
      Promise.race([
        exited,
        new Promise<Extract<StreamClientsMessage, { type: T }>>((resolve) => {
          const onMessage = (message: StreamClientsMessage) => {
            if (message.type === 'first') handlers?.onFirst();
            else if (message.type === 'done') handlers?.onDone();
            if (message.type !== type) return;
            child.off('message', onMessage);
            resolve(message as Extract<StreamClientsMessage, { type: T }>);
          };
          child.on('message', onMessage);
        }),
      ]);
    return {
      child,
      name,
      ready: next('ready'),
      run: (handlers) => {
        const settled = next('settled', handlers);
        const start: StreamClientsStart =
          index < count
            ? { type: 'start', port, apiKey: KEY, model: MODEL, sse: share(level.sse, index), ws: share(level.ws, index) }
            : { type: 'start', port, apiKey: KEY, model: MODEL, sse: [], ws: [], subscribe: baseline };
        child.send(start);
        return settled;
      },
      report: async (window) => {
        const report = next('report');
        child.send(window);
        try {
          return await report;
        } finally {
          child.kill();
        }
      },
    };
  });
  await Promise.all(clients.map((client) => client.ready));
  return clients;
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
  return metricValue(await gatewayMetrics(url), 'nodejs_heap_size_used_bytes') / 1024 / 1024;
}

function gatewayMetrics(url: string): Promise<string> {
  return fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } }).then((response) => response.text());
}

/** The first sample of `name` that has every one of `labels` (e.g. `kind="major"`); NaN when absent. */
function metricValue(text: string, name: string, ...labels: string[]): number {
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    const own = (match[1] ?? '').split(',');
    if (labels.every((label) => own.includes(label))) return Number(match[2]);
  }
  return Number.NaN;
}

const GC_KINDS = ['minor', 'major', 'incremental'] as const;

/**
 * What the gateway's event loop and garbage collector did between `before` and `after` (two
 * /metrics scrapes; prom-client resets its event-loop delay histogram at each scrape, so the lag
 * is the window's): pauses per GC kind (how many, their total, how many over 10 ms) and the loop's delay.
 */
function runtimeBetween(before: string, after: string) {
  const round = (value: number) => Math.round(value * 100) / 100;
  const delta = (name: string, ...labels: string[]) => metricValue(after, name, ...labels) - metricValue(before, name, ...labels);
  const gc = Object.fromEntries(
    GC_KINDS.map((kind) => {
      const count = delta('nodejs_gc_duration_seconds_count', `kind="${kind}"`);
      const under10ms = delta('nodejs_gc_duration_seconds_bucket', 'le="0.01"', `kind="${kind}"`);
      return [kind, { count, totalMs: round(delta('nodejs_gc_duration_seconds_sum', `kind="${kind}"`) * 1000), over10ms: count - under10ms }];
    }),
  );
  const lag = (name: string) => round(metricValue(after, name) * 1000);
  return { gc, eventLoopDelayMs: { p50: lag('nodejs_eventloop_lag_p50_seconds'), p99: lag('nodejs_eventloop_lag_p99_seconds'), max: lag('nodejs_eventloop_lag_max_seconds') } };
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
