import { Redis } from 'ioredis';
import { STACK_MODEL, startStack } from '../../tests/e2e/support/stack.js';
import { runHeading } from './bench-stats.js';
import { BENCH_REPLY } from './stack-latency.js';

/**
 * What one chat turn costs Redis, counted rather than timed, so runs compare on a machine whose
 * speed drifts: the whole stack runs BENCH_TURNS non-stream turns from BENCH_CONCURRENCY clients
 * (the reply in BENCH_CHUNKS chunks), and Redis's INFO commandstats and stats are read before and
 * after. Commands that Lua scripts call count as commands, as Redis counts them.
 *
 * The counts are the whole server's: run it on a Redis (REDIS_URL) that nothing else uses meanwhile.
 *
 *   npm run bench -- redis-per-turn
 *   node --conditions=source --import tsx bench/gateway/redis-per-turn-bench.ts   (after npm run build)
 * Env: BENCH_TURNS (1000), BENCH_CONCURRENCY (16), BENCH_CHUNKS (1), BENCH_FROM_SOURCE=1 (services from source).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const turns = env('BENCH_TURNS', 1000);
const concurrency = env('BENCH_CONCURRENCY', 16);
const chunkCount = env('BENCH_CHUNKS', 1);

setTimeout(() => {
  console.error('redis-per-turn benchmark exceeded 300 s; aborting');
  process.exit(1);
}, 300_000).unref();

interface CommandCount {
  calls: number;
  usec: number;
}

async function snapshot(redis: Redis) {
  const [commandInfo, statsInfo] = await Promise.all([redis.info('commandstats'), redis.info('stats')]);
  const commands = new Map<string, CommandCount>();
  for (const match of commandInfo.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) commands.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  const stat = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(statsInfo)?.[1] ?? 0);
  return { commands, inputBytes: stat('total_net_input_bytes'), outputBytes: stat('total_net_output_bytes') };
}

/** `count` turns from `clients` clients, each waiting for its answer before the next; how many failed. */
async function runTurns(gatewayUrl: string, headers: (userId: string) => Record<string, string>, count: number, clients: number): Promise<number> {
  const body = JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'bench throughput' }] });
  let started = 0;
  let failed = 0;
  const client = async (index: number) => {
    while (started < count) {
      started += 1;
      const response = await fetch(`${gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: { ...headers(`count-${index}`), 'content-type': 'application/json' }, body });
      const json = (await response.json()) as { choices?: Array<{ message: { content: string } }> };
      if (response.status !== 200 || json.choices?.[0]?.message.content !== BENCH_REPLY) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
  return failed;
}

const stack = await startStack({
  label: 'redis-per-turn',
  logLevel: 'error',
  built: process.env.BENCH_FROM_SOURCE !== '1',
  env: { RATE_LIMIT_PER_MINUTE: '10000000', WORKER_CONCURRENCY: '100' },
});
const redis = new Redis(stack.redis.url);
try {
  stack.emulator.script([{ reply: { text: BENCH_REPLY, chunkCount } }]);
  // Warm: scripts loaded, connections open, the tool catalog cached.
  await runTurns(stack.gatewayUrl, stack.headers, 200, concurrency);
  const before = await snapshot(redis);
  const failed = await runTurns(stack.gatewayUrl, stack.headers, turns, concurrency);
  // The workers' last releases and BullMQ's bookkeeping after the last answer.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await snapshot(redis);

  const perTurn = (value: number) => Math.round((value / turns) * 100) / 100;
  const rows = [...after.commands]
    .map(([name, count]) => {
      const earlier = before.commands.get(name) ?? { calls: 0, usec: 0 };
      return { name, calls: perTurn(count.calls - earlier.calls), usec: perTurn(count.usec - earlier.usec) };
    })
    .filter((row) => row.calls > 0)
    .sort((a, b) => b.calls - a.calls);
  const total = Math.round(rows.reduce((sum, row) => sum + row.calls, 0) * 100) / 100;
  console.log(JSON.stringify({ turns, concurrency, chunkCount, failed, perTurn: rows }, null, 2));
  const named = (name: string) => rows.find((row) => row.name === name)?.calls ?? 0;
  console.log(
    [
      '',
      runHeading('Redis per non-stream turn (redis-per-turn-bench)'),
      '',
      `${turns} turns from ${concurrency} clients, the reply in ${chunkCount} chunk(s), ${failed} failed.`,
      '',
      '| per turn | count |',
      '|---|---:|',
      `| commands (inside scripts included) | ${total} |`,
      ...['evalsha', 'eval', 'publish', 'rpush', 'subscribe', 'unsubscribe'].map((name) => `| ${name.toUpperCase()} | ${named(name)} |`),
      `| bytes into Redis | ${perTurn(after.inputBytes - before.inputBytes)} |`,
      `| bytes out of Redis | ${perTurn(after.outputBytes - before.outputBytes)} |`,
    ].join('\n'),
  );
} finally {
  redis.disconnect();
  await stack.stop();
}
process.exit(0);
