/**
 * How the platform's cost grows with processes on this machine: for each number of gateways
 * (BENCH_SCALING_GATEWAYS) × agent workers (BENCH_SCALING_WORKERS), all on one Redis, the added
 * time to first token (p50/p99: a streamed /v1/chat/completions' first `delta.content` minus a
 * direct ConverseStream from a process of its own with the worker's client settings, sequential
 * samples, round-robin over the gateways) and non-stream completions/s at BENCH_CONCURRENCY
 * clients spread round-robin over the gateways, with the services' CPU per completion. The
 * emulator replies as in hop-floor-bench (same text, 1 chunk). One stack per gateway count;
 * workers are added to it between cells (1 → 2 → 4), so a cell's start-up is not paid again.
 * Apart from hop-floor-bench so each stays short: this one starts 2 stacks and runs 6 cells.
 *
 *   npm run bench -- scaling
 *   node --conditions=source --import tsx bench/gateway/scaling-bench.ts   (after npm run build)
 * Env: BENCH_SCALING_WORKERS ("1,2,4"), BENCH_SCALING_GATEWAYS ("1,2"), BENCH_TTFT_SAMPLES (100 per
 *      cell), BENCH_SECONDS (4 measured per cell), BENCH_CONCURRENCY (64), BENCH_REDIS_PID (meter
 *      that redis-server's CPU too), BENCH_FROM_SOURCE (1: the services from source through tsx).
 */
import { startModelEmulator } from '@bedrock-mcp/test-support';
import { STACK_MODEL, startStack } from '../../tests/e2e/support/stack.js';
import { loadAverage, runHeading } from './bench-stats.js';
import { startDirectModelClient } from './direct-model-client.js';
import { alternatingLoad, interleavedTtft } from './side-by-side.js';
import { BENCH_REPLY, platformTarget } from './stack-latency.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const counts = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);

setTimeout(() => {
  console.error('scaling benchmark exceeded 300 s; aborting');
  process.exit(1);
}, 300_000).unref();

const concurrency = env('BENCH_CONCURRENCY', 64);
const redisPid = process.env.BENCH_REDIS_PID ? Number(process.env.BENCH_REDIS_PID) : undefined;
const cells: Array<{ gateways: number; workers: number; ttft: unknown; load: unknown }> = [];
const rows: string[] = [];
const loadAverageAtStart = loadAverage();

const emulator = await startModelEmulator();
emulator.script([{ reply: { text: BENCH_REPLY, chunkCount: 1 } }]);
const baseline = await startDirectModelClient(emulator.bedrockEndpoint, STACK_MODEL);
try {
  for (const gateways of counts('BENCH_SCALING_GATEWAYS', '1,2')) {
    const workerCounts = counts('BENCH_SCALING_WORKERS', '1,2,4');
    const stack = await startStack({
      label: `scaling-${gateways}`,
      gateways,
      workers: workerCounts[0] ?? 1,
      emulator,
      logLevel: 'error',
      built: process.env.BENCH_FROM_SOURCE !== '1',
      env: { RATE_LIMIT_PER_MINUTE: '10000000', WORKER_CONCURRENCY: '100' },
    });
    try {
      for (const workers of workerCounts) {
        while (stack.workers.length < workers) await stack.addWorker();
        const target = platformTarget(stack, baseline, { concurrency, redisPid });
        try {
          const ttft = (await interleavedTtft([target], { samples: env('BENCH_TTFT_SAMPLES', 100), warmup: 20 })).platform!;
          const load = (await alternatingLoad([target], { concurrency, seconds: env('BENCH_SECONDS', 4), rounds: 1, warmupSeconds: 1 })).platform!;
          cells.push({ gateways, workers, ttft, load });
          rows.push(`| ${gateways} | ${workers} | ${ttft.addedP50Ms} | ${ttft.addedP99Ms} | ${load.completionsPerSecond} | ${load.servicesCpuMsPerCompletion} | ${load.failed} |`);
          console.error(`${gateways} gateway(s), ${workers} worker(s) done`);
        } finally {
          target.close();
        }
      }
    } finally {
      await stack.stop();
    }
  }
} finally {
  baseline.close();
  await emulator.close();
}

console.log(JSON.stringify({ machine: { loadAverageAtStart, loadAverageAtEnd: loadAverage(), node: process.version }, concurrency, cells }, null, 2));
console.log(
  [
    '',
    runHeading('Platform scaling, one run'),
    '',
    `| gateways | workers | added TTFT p50 (ms) | added TTFT p99 (ms) | completions/s, ${concurrency} clients | CPU ms / completion, services${redisPid ? ' + Redis' : ''} | failed |`,
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n'),
);
process.exit(0);
