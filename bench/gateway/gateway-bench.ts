/**
 * Gateway benchmark (loopback, model emulator with no delay):
 *   1. added time to first token: the gateway's SSE (client → gateway → queue → worker →
 *      emulator → worker → Redis → gateway → client) minus a direct ConverseStream call to the emulator;
 *   2. non-stream completions per second of the whole stack (gateway, worker(s), pool, emulator),
 *      with the CPU each process spent per completion;
 *   3. the gateway process alone (the bench answers turns through the real TurnEventLog): its
 *      non-stream ceiling, and per level of concurrent SSE and WebSocket streams the text deltas/s
 *      the clients received with every stream open, the delay it adds per chunk over a bare Redis
 *      subscriber (p50/p99), its CPU %, and its RSS and heap per open stream (also as a Markdown
 *      table on stderr).
 *
 *   node --conditions=source --import tsx bench/gateway/gateway-bench.ts
 * Env: BENCH_TTFT_SAMPLES (200), BENCH_CONCURRENCY (64), BENCH_SECONDS (12), BENCH_WORKERS (1),
 *      BENCH_WORKER_CONCURRENCY (100), BENCH_STREAM_LEVELS ("250x250,1000x1000": SSE x WS),
 *      BENCH_STREAM_CLIENT_PROCESSES (2: processes the stream clients are spread over, so the harness is not the limit),
 *      BENCH_STREAM_TICK_MS (500), BENCH_STREAM_TICKS (40), BENCH_STREAM_DELTAS_PER_TICK (5): each stream
 *        gets that many text deltas per tick, in one append (1000x1000 at 5 per 500 ms offers 20,000
 *        events/s in 4,000 appends/s, as a worker batches a fast model's deltas; 1 per 100 ms offers
 *        the same as 20,000 appends/s, which saturates a 2-core machine's Redis, bench worker and
 *        clients before the gateway). Streams must outlast the ramp (opening all of them, seconds at
 *        2,000) for a steady window: 40 ticks of 500 ms is 20 s,
 *      BENCH_GATEWAY_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the gateway's time goes),
 *      BENCH_WORKER_NODE_ARGS (the same for the agent workers), BENCH_REDIS_PID (also meter that redis-server's CPU),
 *      BENCH_CHUNKS (1: text deltas per answer in the throughput run),
 *      BENCH_ONLY ("throughput": just the whole-stack non-stream run; "ttft,throughput": skip the gateway-alone part;
 *        "streams": only the gateway-alone stream levels, e.g.
 *        BENCH_ONLY=streams BENCH_STREAM_LEVELS=1000x1000 npm run bench -- gateway-bench),
 *      BENCH_FROM_SOURCE (1: run the services from source through tsx instead of their build).
 * The services run from their build (each service's dist/), as in production: `npm run bench` builds first.
 */
import { startStack } from '../../tests/e2e/support/stack.js';
import { loadAverage } from './bench-stats.js';
import { measureThroughput, measureTtft } from './stack-latency.js';
import { measureGatewayAlone, streamCapacityTable } from './stream-capacity.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const levels = (process.env.BENCH_STREAM_LEVELS ?? '250x250,1000x1000').split(',').map((level) => {
  const [sse, ws] = level.split('x').map(Number);
  return { sse: sse ?? 0, ws: ws ?? 0 };
});

const only = new Set((process.env.BENCH_ONLY ?? 'ttft,throughput,alone').split(','));

const deadline = setTimeout(() => {
  console.error('benchmark exceeded 150 s; aborting');
  process.exit(1);
}, 150_000);
deadline.unref();

const report: Record<string, unknown> = { machine: { cpus: 2, loadAverageAtStart: loadAverage(), node: process.version } };
if (only.has('ttft') || only.has('throughput')) {
  const stack = await startStack({
    label: 'bench',
    workers: env('BENCH_WORKERS', 1),
    logLevel: 'error',
    built: process.env.BENCH_FROM_SOURCE !== '1',
    gatewayNodeArgs: process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean),
    workerNodeArgs: process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean),
    env: { RATE_LIMIT_PER_MINUTE: '10000000', WORKER_CONCURRENCY: String(env('BENCH_WORKER_CONCURRENCY', 100)) },
  });
  try {
    if (only.has('ttft')) {
      report.ttft = await measureTtft(stack, env('BENCH_TTFT_SAMPLES', 200));
      console.error('ttft done', JSON.stringify(report.ttft));
    }
    if (only.has('throughput')) {
      report.nonStream = await measureThroughput(stack, {
        concurrency: env('BENCH_CONCURRENCY', 64),
        seconds: env('BENCH_SECONDS', 12),
        warmupSeconds: 2,
        chunkCount: env('BENCH_CHUNKS', 1),
        pids: {
          gateway: stack.gateway.child.pid!,
          ...Object.fromEntries(stack.workers.map((worker) => [worker.name, worker.child.pid!])),
          'mcp-pool': stack.pool.child.pid!,
          'bench (client + emulator)': process.pid,
          ...(process.env.BENCH_REDIS_PID ? { 'redis-server (shared with anything else using it)': Number(process.env.BENCH_REDIS_PID) } : {}),
        },
      });
      console.error('throughput done', JSON.stringify(report.nonStream));
    }
  } finally {
    await stack.stop();
  }
}
if (only.has('alone') || only.has('streams')) {
  const stream = { tickMs: env('BENCH_STREAM_TICK_MS', 500), ticks: env('BENCH_STREAM_TICKS', 40), deltasPerTick: env('BENCH_STREAM_DELTAS_PER_TICK', 5) };
  const alone = await measureGatewayAlone({
    levels,
    stream,
    streamsOnly: !only.has('alone'),
    ttftSamples: env('BENCH_TTFT_SAMPLES', 200),
    clientProcesses: env('BENCH_STREAM_CLIENT_PROCESSES', 2),
    throughput: { concurrency: env('BENCH_CONCURRENCY', 64), seconds: 8 },
  });
  report.gatewayAlone = alone;
  console.error(`\n${streamCapacityTable(stream, alone.streams)}\n`);
}
report.loadAverageAtEnd = loadAverage();
console.log(JSON.stringify(report, null, 2));
