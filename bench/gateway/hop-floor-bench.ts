/**
 * The floor under the gateway benchmark's targets, and the platform measured against it in the
 * same run. A floor is one chat turn's process hops (client → front HTTP server → Redis queue →
 * worker process → model emulator → Redis pub/sub → front → client) with none of the platform's
 * code, so what the platform adds can be told from what its architecture costs on this machine.
 * Three floor variants, each a step closer to the platform:
 *   list     a Redis list (LPUSH / BRPOP), a raw HTTP/2 model request;
 *   bullmq   BullMQ's Queue.add and Worker, the same raw request;
 *   sdk      BullMQ, and the model called through the AWS SDK as the agent worker does.
 * and `platform`: the real stack (startStack: gateway, agent worker, mcp-pool, from their build).
 * All share one model emulator and one script (the same reply text, in 1 chunk).
 *
 * What each measures:
 *   added TTFT  time to the first text through the target minus a direct call's, p50 and p99 each
 *               taken apart (sequential samples, each right after its own direct call; the targets
 *               take turns sample by sample). Floor: the front answers with the first text the
 *               worker publishes. Platform: the first `delta.content` of a streamed
 *               /v1/chat/completions. Direct call, for sdk and platform: a ConverseStream from a
 *               process of its own with the worker's client settings (direct-model-client.ts); for
 *               list and bullmq: a raw HTTP/2 request from their worker's process.
 *   completions/s  at BENCH_CONCURRENCY closed-loop clients. Floor: a request that ends when the
 *               first text is published. Platform: a non-stream /v1/chat/completions; with a
 *               1-chunk reply the first text is the whole answer, so both end at the same point of
 *               the model's reply. Windows alternate between the targets (A B C, C B A, …).
 *   CPU ms per completion  per process over the load windows: the front / gateway(s), the
 *               worker(s), mcp-pool, redis-server (when BENCH_REDIS_PID is given; it is shared, so
 *               it counts whatever else uses it), and the bench (clients + emulator, not a cost).
 * The comparison (platform against sdk, the floor closest to it): platform − floor added TTFT
 * p50/p99, platform/floor completions/s, platform − floor CPU per completion summed over the
 * services (+ Redis). Printed as JSON, then as a Markdown table for the README.
 *
 *   npm run bench -- hop-floor
 *   node --conditions=source --import tsx bench/gateway/hop-floor-bench.ts   (after npm run build)
 * Env: BENCH_TTFT_SAMPLES (300 per target), BENCH_CONCURRENCY (64), BENCH_SECONDS (6 measured per
 *      target, split over the rounds), BENCH_ROUNDS (2 load windows per target), BENCH_FLOOR_VARIANTS
 *      ("list,bullmq,sdk"), BENCH_PLATFORM (1; 0 = the floors alone), BENCH_REDIS_PID (meter that
 *      redis-server's CPU too: `pgrep -x redis-server`), BENCH_FROM_SOURCE (1: the platform's
 *      services from source through tsx instead of their build), BENCH_COMPARE_ROOT (another
 *      checkout, built: its platform runs as a fourth target, `platform-before`, and the run also
 *      prints this build against it, so a change is measured against the code before it in one run),
 *      BENCH_GATEWAY_NODE_ARGS / BENCH_WORKER_NODE_ARGS (extra node arguments for this build's
 *      gateway / agent worker only, e.g. `--cpu-prof`, or a V8 flag tried against the other build),
 *      BENCH_FLOOR_NODE_ARGS (the same for the floors' front and worker processes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startModelEmulator, startTestRedis } from '@bedrock-mcp/test-support';
import { STACK_MODEL, startStack } from '../../tests/e2e/support/stack.js';
import { loadAverage, runHeading } from './bench-stats.js';
import { startDirectModelClient, workerLikeClient, type DirectModelClient } from './direct-model-client.js';
import { alternatingLoad, interleavedTtft, type AddedTtft, type BenchTarget, type LoadResult } from './side-by-side.js';
import { BENCH_REPLY, platformTarget } from './stack-latency.js';

type Variant = 'list' | 'bullmq' | 'sdk';
interface RoleConfig {
  variant: Variant;
  redisUrl: string;
  prefix: string;
  endpoint: string;
}
interface Job {
  turnId: string;
}

const SELF = fileURLToPath(import.meta.url);
const exitOnError = (role: string) => (error: unknown) => {
  console.error(role, error);
  process.exit(1);
};
/** Extra node arguments from an env variable (space-separated); none when unset. */
const nodeArgsFrom = (name: string) => process.env[name]?.split(' ').filter(Boolean) ?? [];
const keysOf = (prefix: string) => ({ list: `${prefix}floor:jobs`, channel: (turnId: string) => `${prefix}floor:turn:${turnId}` });

// ---- the front: answers each POST with the first event its turn publishes (one pattern subscription, as a minimal gateway would)
async function runFront(config: RoleConfig): Promise<void> {
  const keys = keysOf(config.prefix);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(config.redisUrl);
  const queue = config.variant === 'list' ? undefined : new Queue<Job>('floor', { connection: redis, prefix: `${config.prefix}bull` });
  const waiting = new Map<string, ServerResponse>();
  let next = 0;
  subscriber.on('pmessage', (_pattern, channel, message) => {
    const response = waiting.get(channel);
    if (!response) return;
    waiting.delete(channel);
    response.end(`data: ${message}\n\n`);
  });
  await subscriber.psubscribe(keys.channel('*'));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const turnId = `${process.pid}-${next++}`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      waiting.set(keys.channel(turnId), res);
      const job: Job = { turnId };
      const queued = queue ? queue.add('turn', job, { jobId: turnId, removeOnComplete: true, removeOnFail: true }) : redis.lpush(keys.list, JSON.stringify(job));
      queued.catch(exitOnError('front'));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

/** One ConverseStream over a raw HTTP/2 session: calls `onFirstText` at the first text delta, resolves once the stream has ended. */
function rawConverseStream(session: ClientHttp2Session, onFirstText: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': `/model/${encodeURIComponent(STACK_MODEL)}/converse-stream`, 'content-type': 'application/json' });
    let seen = '';
    let firstText = false;
    stream.on('data', (chunk: Buffer) => {
      if (firstText) return;
      seen += chunk.toString('latin1');
      if (seen.includes('"text":"')) {
        firstText = true;
        onFirstText();
      }
    });
    stream.on('end', () => (firstText ? resolve() : reject(new Error(`no text from the emulator: ${seen.slice(0, 200)}`))));
    stream.on('error', reject);
    stream.end(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'bench floor' }] }], inferenceConfig: { maxTokens: 100 } }));
  });
}

// ---- the worker: takes a job, calls the model, publishes its first text
async function runWorker(config: RoleConfig): Promise<void> {
  const keys = keysOf(config.prefix);
  const redis = new Redis(config.redisUrl, { enableAutoPipelining: true });
  const session = connect(config.endpoint);
  const sdk = workerLikeClient(config.endpoint);
  const callModel = async (onFirstText: () => void) => {
    if (config.variant !== 'sdk') return rawConverseStream(session, onFirstText);
    const output = await sdk.send(
      new ConverseStreamCommand({ modelId: STACK_MODEL, messages: [{ role: 'user', content: [{ text: 'bench floor' }] }], inferenceConfig: { maxTokens: 100 } }),
    );
    let first = true;
    for await (const event of output.stream ?? []) {
      if (first && event.contentBlockDelta?.delta?.text) {
        first = false;
        onFirstText();
      }
    }
  };
  const runTurn = (job: Job) => callModel(() => void redis.publish(keys.channel(job.turnId), 'first text'));

  process.on('message', (message: { direct?: boolean }) => {
    if (!message.direct) return;
    const started = performance.now();
    // The raw variants' baseline; sdk's is the shared direct-model-client process, as the platform's.
    new Promise<number>((resolve, reject) => rawConverseStream(session, () => resolve(performance.now() - started)).catch(reject)).then(
      (ms) => process.send!({ ms }),
      (error: unknown) => process.send!({ error: String(error) }),
    );
  });
  if (config.variant === 'list') {
    const blocking = new Redis(config.redisUrl);
    void (async () => {
      for (;;) {
        const popped = await blocking.brpop(keys.list, 0);
        if (popped) runTurn(JSON.parse(popped[1]) as Job).catch(exitOnError('worker'));
      }
    })();
  } else {
    const worker = new Worker<Job>('floor', async (job) => runTurn(job.data), {
      connection: new Redis(config.redisUrl, { maxRetriesPerRequest: null }),
      prefix: `${config.prefix}bull`,
      concurrency: 100,
    });
    await worker.waitUntilReady();
  }
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

// ---- the bench
function startRole(role: 'front' | 'worker', config: RoleConfig): Promise<{ child: ChildProcess; first: Record<string, unknown> }> {
  const child = fork(SELF, [role, JSON.stringify(config)], { execArgv: [...nodeArgsFrom('BENCH_FLOOR_NODE_ARGS'), '--conditions=source', '--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (first: Record<string, unknown>) => resolve({ child, first }));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

function directFromWorker(worker: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('message', ({ ms, error }: { ms?: number; error?: string }) => (ms === undefined ? reject(new Error(String(error))) : resolve(ms)));
    worker.send({ direct: true });
  });
}

function viaChain(agent: Agent, port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (res) => {
      let first: number | undefined;
      res.on('data', () => (first ??= performance.now() - started));
      res.on('end', () => (first === undefined ? reject(new Error('empty answer')) : resolve(first)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end('{"messages":[]}');
  });
}

async function startFloor(variant: Variant, options: { redisUrl: string; prefix: string; endpoint: string; baseline: DirectModelClient; concurrency: number; redisPid?: number }): Promise<BenchTarget> {
  const config: RoleConfig = { variant, redisUrl: options.redisUrl, prefix: `${options.prefix}${variant}:`, endpoint: options.endpoint };
  const front = await startRole('front', config);
  const worker = await startRole('worker', config).catch((error: unknown) => {
    front.child.kill();
    throw error;
  });
  const port = front.first.port as number;
  const one = new Agent({ keepAlive: true, maxSockets: 1 });
  const many = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const services = { front: front.child.pid!, worker: worker.child.pid!, ...(options.redisPid ? { 'redis-server': options.redisPid } : {}) };
  return {
    name: variant,
    ttft: () => viaChain(one, port),
    direct: () => (variant === 'sdk' ? options.baseline.measure() : directFromWorker(worker.child)),
    request: () => viaChain(many, port).then(() => true),
    pids: () => ({ ...services, 'bench (clients + emulator)': process.pid }),
    serviceNames: () => Object.keys(services),
    close: () => {
      one.destroy();
      many.destroy();
      front.child.kill();
      worker.child.kill();
    },
  };
}

const TARGETS = { addedTtftP50Ms: 1, addedTtftP99Ms: 3, completionsPerSecondRatio: 0.85, cpuMsPerCompletionOver: 0.5 };

function compare(floor: { ttft: AddedTtft; load: LoadResult }, platform: { ttft: AddedTtft; load: LoadResult }) {
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  const addedTtftP50Ms = round3(platform.ttft.addedP50Ms - floor.ttft.addedP50Ms);
  const addedTtftP99Ms = round3(platform.ttft.addedP99Ms - floor.ttft.addedP99Ms);
  const completionsPerSecondRatio = round3(platform.load.completionsPerSecond / floor.load.completionsPerSecond);
  const cpuMsPerCompletionOver = round3(platform.load.servicesCpuMsPerCompletion - floor.load.servicesCpuMsPerCompletion);
  return {
    addedTtftP50Ms,
    addedTtftP99Ms,
    completionsPerSecondRatio,
    cpuMsPerCompletionOver,
    met: {
      addedTtftP50: addedTtftP50Ms <= TARGETS.addedTtftP50Ms,
      addedTtftP99: addedTtftP99Ms <= TARGETS.addedTtftP99Ms,
      completionsPerSecond: completionsPerSecondRatio >= TARGETS.completionsPerSecondRatio,
      cpuPerCompletion: cpuMsPerCompletionOver <= TARGETS.cpuMsPerCompletionOver,
    },
  };
}

function markdownTable(floor: { ttft: AddedTtft; load: LoadResult }, platform: { ttft: AddedTtft; load: LoadResult }, comparison: ReturnType<typeof compare>, concurrency: number): string {
  const yes = (met: boolean) => (met ? 'yes' : '**no**');
  const signed = (ms: number) => (ms >= 0 ? `+${ms}` : String(ms));
  const cpu = (load: LoadResult, match: RegExp) =>
    Object.entries(load.cpuMsPerCompletion)
      .filter(([name]) => match.test(name))
      .reduce((sum, [, ms]) => sum + ms, 0)
      .toFixed(3);
  const redisMetered = platform.load.servicesMetered.includes('redis-server');
  const rows = [
    ['added TTFT p50 (ms)', floor.ttft.addedP50Ms, platform.ttft.addedP50Ms, signed(comparison.addedTtftP50Ms), `≤ ${TARGETS.addedTtftP50Ms} ms`, yes(comparison.met.addedTtftP50)],
    ['added TTFT p99 (ms)', floor.ttft.addedP99Ms, platform.ttft.addedP99Ms, signed(comparison.addedTtftP99Ms), `≤ ${TARGETS.addedTtftP99Ms} ms`, yes(comparison.met.addedTtftP99)],
    [`completions/s, ${concurrency} clients`, floor.load.completionsPerSecond, platform.load.completionsPerSecond, `${Math.round(comparison.completionsPerSecondRatio * 100)} %`, `≥ ${TARGETS.completionsPerSecondRatio * 100} %`, yes(comparison.met.completionsPerSecond)],
    [`CPU ms / completion, services${redisMetered ? ' + Redis' : ' (Redis not metered)'}`, floor.load.servicesCpuMsPerCompletion, platform.load.servicesCpuMsPerCompletion, signed(comparison.cpuMsPerCompletionOver), `≤ +${TARGETS.cpuMsPerCompletionOver} ms`, yes(comparison.met.cpuPerCompletion)],
    ['… front / gateway', cpu(floor.load, /^front$/), cpu(platform.load, /^gateway/), '', '', ''],
    ['… worker(s)', cpu(floor.load, /^worker$/), cpu(platform.load, /^agent-worker/), '', '', ''],
    ['… mcp-pool', '—', cpu(platform.load, /^mcp-pool$/), '', '', ''],
    ...(redisMetered ? [['… redis-server', cpu(floor.load, /^redis-server$/), cpu(platform.load, /^redis-server$/), '', '', '']] : []),
  ];
  return [
    runHeading('Platform against the floor (BullMQ + AWS SDK), one run'),
    '',
    '| | floor | platform | platform − floor / ratio | target | met? |',
    '|---|---:|---:|---:|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** This build against the one in BENCH_COMPARE_ROOT, both measured in this run. */
function changeTable(before: { ttft: AddedTtft; load: LoadResult }, after: { ttft: AddedTtft; load: LoadResult }, beforeRoot: string, concurrency: number): string {
  const change = (from: number, to: number, digits = 3) => `${to - from >= 0 ? '+' : ''}${(to - from).toFixed(digits)}`;
  const cpu = (load: LoadResult, match: RegExp) =>
    Object.entries(load.cpuMsPerCompletion)
      .filter(([name]) => match.test(name))
      .reduce((sum, [, ms]) => sum + ms, 0);
  const row = (label: string, from: number, to: number) => `| ${label} | ${from.toFixed(3)} | ${to.toFixed(3)} | ${change(from, to)} |`;
  const perService = (label: string, match: RegExp) => row(`… ${label}`, cpu(before.load, match), cpu(after.load, match));
  return [
    runHeading(`This build against ${beforeRoot}, one run`),
    '',
    '| | before | this build | change |',
    '|---|---:|---:|---:|',
    row('added TTFT p50 (ms)', before.ttft.addedP50Ms, after.ttft.addedP50Ms),
    row('added TTFT p99 (ms)', before.ttft.addedP99Ms, after.ttft.addedP99Ms),
    `| completions/s, ${concurrency} clients | ${before.load.completionsPerSecond} | ${after.load.completionsPerSecond} | ${Math.round((after.load.completionsPerSecond / before.load.completionsPerSecond - 1) * 100)} % |`,
    row('CPU ms / completion, services', before.load.servicesCpuMsPerCompletion, after.load.servicesCpuMsPerCompletion),
    perService('gateway', /^gateway/),
    perService('worker(s)', /^agent-worker/),
    perService('mcp-pool', /^mcp-pool$/),
    perService('redis-server', /^redis-server$/),
  ].join('\n');
}

async function main(): Promise<void> {
  setTimeout(() => exitOnError('bench')(new Error('exceeded 300 s')), 300_000).unref();
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const concurrency = env('BENCH_CONCURRENCY', 64);
  const redisPid = process.env.BENCH_REDIS_PID ? Number(process.env.BENCH_REDIS_PID) : undefined;
  const variants = (process.env.BENCH_FLOOR_VARIANTS ?? 'list,bullmq,sdk').split(',').filter(Boolean) as Variant[];
  const withPlatform = process.env.BENCH_PLATFORM !== '0';
  const report: Record<string, unknown> = { machine: { cpus: availableParallelism(), loadAverageAtStart: loadAverage(), node: process.version } };

  const redis = await startTestRedis('floor');
  const emulator = await startModelEmulator();
  emulator.script([{ reply: { text: BENCH_REPLY, chunkCount: 1 } }]);
  const baseline = await startDirectModelClient(emulator.bedrockEndpoint, STACK_MODEL);
  const targets: BenchTarget[] = [];
  const compareRoot = process.env.BENCH_COMPARE_ROOT;
  const platformStack = (label: string, launch: { projectRoot?: string; gatewayNodeArgs?: string[]; workerNodeArgs?: string[] }) =>
    startStack({
      label,
      emulator,
      logLevel: 'error',
      built: process.env.BENCH_FROM_SOURCE !== '1',
      env: { RATE_LIMIT_PER_MINUTE: '10000000', WORKER_CONCURRENCY: '100' },
      ...launch,
    });
  const stack = withPlatform ? await platformStack('floor-platform', { gatewayNodeArgs: nodeArgsFrom('BENCH_GATEWAY_NODE_ARGS'), workerNodeArgs: nodeArgsFrom('BENCH_WORKER_NODE_ARGS') }) : undefined;
  const before = withPlatform && compareRoot ? await platformStack('floor-platform-before', { projectRoot: compareRoot }).catch(async (error: unknown) => {
    await stack?.stop();
    throw error;
  }) : undefined;
  try {
    for (const variant of variants) targets.push(await startFloor(variant, { redisUrl: redis.url, prefix: redis.prefix, endpoint: emulator.bedrockEndpoint, baseline, concurrency, redisPid }));
    if (stack) targets.push(platformTarget(stack, baseline, { concurrency, redisPid }));
    if (before) targets.push(platformTarget(before, baseline, { concurrency, redisPid, name: 'platform-before' }));
    const ttft = await interleavedTtft(targets, { samples: env('BENCH_TTFT_SAMPLES', 300), warmup: 30 });
    console.error('ttft done');
    const load = await alternatingLoad(targets, { concurrency, seconds: env('BENCH_SECONDS', 6), rounds: env('BENCH_ROUNDS', 2), warmupSeconds: 1.5 });
    for (const target of targets) report[target.name] = { ttft: ttft[target.name], load: load[target.name] };
    report.loadAverageAtEnd = loadAverage();
    const measured = (name: string) => (ttft[name] && load[name] ? { ttft: ttft[name], load: load[name] } : undefined);
    const floor = measured('sdk');
    const platform = measured('platform');
    const platformBefore = measured('platform-before');
    const tables: string[] = [];
    if (floor && platform) {
      const comparison = compare(floor, platform);
      report.platformOverSdkFloor = comparison;
      tables.push(markdownTable(floor, platform, comparison, concurrency));
      if (platformBefore) report.platformBeforeOverSdkFloor = compare(floor, platformBefore);
    }
    if (platform && platformBefore) tables.push(changeTable(platformBefore, platform, compareRoot!, concurrency));
    console.log(JSON.stringify(report, null, 2));
    for (const table of tables) console.log(`\n${table}`);
  } finally {
    for (const target of targets) target.close();
    baseline.close();
    await Promise.all([stack?.stop(), before?.stop()]);
    await emulator.close();
    await redis.close();
  }
}

const [role, rawConfig] = process.argv.slice(2);
if (role === 'front' || role === 'worker') {
  // An exit of its own on SIGTERM, so `--cpu-prof` (BENCH_FLOOR_NODE_ARGS) writes its profile.
  process.once('SIGTERM', () => process.exit(0));
  const run = role === 'front' ? runFront : runWorker;
  run(JSON.parse(rawConfig!) as RoleConfig).catch(exitOnError(role));
} else {
  await main();
  process.exit(0);
}
