/**
 * The floor under the gateway benchmark's targets: one chat turn's process hops (client → front
 * HTTP server → Redis queue → worker process → model emulator → Redis pub/sub → front → client)
 * with none of the platform's code, so what the platform adds can be told from what its
 * architecture costs on this machine. Three variants, each a step closer to the platform:
 *   list     a Redis list (LPUSH / BRPOP), a raw HTTP/2 model request;
 *   bullmq   BullMQ's Queue.add and Worker, the same raw request;
 *   sdk      BullMQ, and the model called through the AWS SDK as the agent worker does.
 * For each: time to first token through the chain minus a direct call made from the worker's
 * process with the same client (p50/p99, sequential, interleaved), and requests/s at 64 clients
 * that each end when the first text is published.
 *
 *   node --conditions=source --import tsx bench/gateway/hop-floor-bench.ts
 * Env: BENCH_TTFT_SAMPLES (300), BENCH_CONCURRENCY (64), BENCH_SECONDS (6), BENCH_FLOOR_VARIANTS ("list,bullmq,sdk"),
 *      BENCH_REDIS_PID (also meter that redis-server's CPU).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startModelEmulator, startTestRedis } from '@bedrock-mcp/test-support';
import { STACK_MODEL } from '../../tests/e2e/support/stack.js';
import { closedLoopLoad, loadAverage, summarize } from './bench-stats.js';
import { directTtft, workerLikeClient } from './direct-model-client.js';

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
    const measured =
      config.variant === 'sdk'
        ? directTtft(sdk, STACK_MODEL)
        : new Promise<number>((resolve, reject) => rawConverseStream(session, () => resolve(performance.now() - started)).catch(reject));
    measured.then(
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
  const child = fork(SELF, [role, JSON.stringify(config)], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: 'inherit' });
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

async function measureVariant(variant: Variant, redisUrl: string, prefix: string, endpoint: string) {
  const config: RoleConfig = { variant, redisUrl, prefix: `${prefix}${variant}:`, endpoint };
  const front = await startRole('front', config);
  const worker = await startRole('worker', config);
  const port = front.first.port as number;
  try {
    const one = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 30; i++) {
      await directFromWorker(worker.child);
      await viaChain(one, port);
    }
    const direct: number[] = [];
    const via: number[] = [];
    for (let i = 0; i < Number(process.env.BENCH_TTFT_SAMPLES ?? 300); i++) {
      direct.push(await directFromWorker(worker.child));
      via.push(await viaChain(one, port));
    }
    one.destroy();
    const d = summarize(direct);
    const v = summarize(via);

    const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
    const many = new Agent({ keepAlive: true, maxSockets: concurrency });
    const load = await closedLoopLoad({
      concurrency,
      warmupSeconds: 1.5,
      seconds: Number(process.env.BENCH_SECONDS ?? 6),
      pids: {
        front: front.child.pid!,
        worker: worker.child.pid!,
        'bench (clients + emulator)': process.pid,
        ...(process.env.BENCH_REDIS_PID ? { 'redis-server (shared with anything else using it)': Number(process.env.BENCH_REDIS_PID) } : {}),
      },
      request: () => viaChain(many, port).then(() => true),
    });
    many.destroy();
    return {
      directMs: d,
      viaChainMs: v,
      addedP50Ms: Math.round((v.p50 - d.p50) * 1000) / 1000,
      addedP99Ms: Math.round((v.p99 - d.p99) * 1000) / 1000,
      requestsPerSecond: load.perSecond,
      failed: load.failed,
      cpuMsPerRequest: load.cpuMsPerCompletion,
    };
  } finally {
    front.child.kill();
    worker.child.kill();
  }
}

async function main(): Promise<void> {
  setTimeout(() => exitOnError('bench')(new Error('exceeded 180 s')), 180_000).unref();
  const redis = await startTestRedis('floor');
  const emulator = await startModelEmulator();
  emulator.script([{ reply: { text: 'hello from the emulator', chunkCount: 1 } }]);
  const report: Record<string, unknown> = { machine: { cpus: 2, loadAverageAtStart: loadAverage(), node: process.version } };
  try {
    for (const variant of (process.env.BENCH_FLOOR_VARIANTS ?? 'list,bullmq,sdk').split(',') as Variant[]) {
      report[variant] = await measureVariant(variant, redis.url, redis.prefix, emulator.bedrockEndpoint);
      console.error(variant, 'done');
    }
  } finally {
    await emulator.close();
    await redis.close();
  }
  report.loadAverageAtEnd = loadAverage();
  console.log(JSON.stringify(report, null, 2));
}

const [role, rawConfig] = process.argv.slice(2);
if (role === 'front' || role === 'worker') {
  const run = role === 'front' ? runFront : runWorker;
  run(JSON.parse(rawConfig!) as RoleConfig).catch(exitOnError(role));
} else {
  await main();
  process.exit(0);
}
