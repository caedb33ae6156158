/**
 * mcp-pool benchmark (loopback, real processes, real Redis):
 *   1. cold start (spawn + initialize + tools/list) per server, through the pool and directly;
 *   2. warm tool-call latency through the pool (PoolClient: its call socket, as workers call, and
 *      its HTTP route) against a direct SDK stdio call to the same kind of server, interleaved in
 *      one run: p50/p99, ratio and added milliseconds;
 *   3. spawns on a second chat turn (catalog + call for the same user): target 0;
 *   4. memory per idle user (pool RSS + its children, one server per user);
 *   5. spawn/evict cycles by the idle timer, then child process count, heap (after GC) and RSS
 *      against the baseline.
 * Run: node --conditions=source --import tsx bench/mcp-pool/pool-bench.ts [--cycles N]
 * BENCH_ONLY=warm runs only section 2 (warm tool calls), for quick iteration; POOL_NODE_ARGS passes
 * node flags to the pool process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { freePort, startTestRedis, TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestPool, testConf, testPoolEnv } from '../../services/mcp-pool/src/testing/pool-harness.js';
import { startPoolProcess, type PoolProcess } from '../../services/mcp-pool/src/testing/pool-process.js';
import { descendantsOf, fixturePath, PROJECT_ROOT, waitFor } from '../../services/mcp-pool/src/testing/processes.js';

const argCycles = process.argv.indexOf('--cycles');
const MAX_CYCLES = argCycles > 0 ? Number(process.argv[argCycles + 1]) : 1000;
/** Wall-clock budget for the spawn/evict cycles (ms). */
const CYCLE_BUDGET_MS = 60_000;
const CYCLE_CONCURRENCY = 4;
const WARM_CALLS = 2000;
const COLD_STARTS = 5;
const IDLE_USERS = 20;
const ONLY_WARM = process.env.BENCH_ONLY === 'warm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const bin = (name: string) => join(PROJECT_ROOT, 'node_modules/.bin', name);
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** RSS (MiB) of a process, and of it plus all its descendants. */
function rssMiB(pid: number): { self: number; tree: number; processes: number } {
  const rss = (target: number) => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${target}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const children = descendantsOf(pid);
  return { self: rss(pid), tree: rss(pid) + children.reduce((sum, child) => sum + rss(child), 0), processes: children.length };
}

/** User + system CPU seconds a process has used (Linux /proc, clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function metric(pool: PoolProcess, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${pool.url}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function directClient(command: string, args: string[]): Promise<{ client: Client; ms: number }> {
  const begin = performance.now();
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));
  await client.listTools();
  return { client, ms: performance.now() - begin };
}

async function main(): Promise<void> {
  const redis = await startTestRedis('pool-bench');
  const dir = mkdtempSync(join(tmpdir(), 'mcp-pool-bench-'));
  const conf = testConf({ minimal: { command: 'node', args: [fixturePath('minimal-server.mjs')] } });
  const pools: PoolProcess[] = [];
  const results: Record<string, unknown> = {};
  try {
    const pool = await startPoolProcess(testPoolEnv(redis, dir, conf, { POOL_REPLICA_ID: 'bench', POOL_HEARTBEAT_MS: '1000', INACTIVE_TIME: '30', POOL_MAX_SERVERS: '500' }), await freePort());
    pools.push(pool);

    // 1. Cold start per server.
    if (!ONLY_WARM) {
      const cold: Record<string, unknown> = {};
      for (const [serverId, command, args] of [
        ['everything', bin('mcp-server-everything'), ['stdio']],
        ['fs', bin('mcp-server-filesystem'), [dir]],
      ] as const) {
        const viaPool: number[] = [];
        const direct: number[] = [];
        for (let i = 0; i < COLD_STARTS; i++) {
          const begin = performance.now();
          await pool.client.ensureServer(`cold-${serverId}-${i}`, serverId);
          viaPool.push(performance.now() - begin);
          await pool.client.stopServer(`cold-${serverId}-${i}`, serverId);
          const { client, ms } = await directClient(command, [...args]);
          direct.push(ms);
          await client.close();
        }
        cold[serverId] = { pool_p50_ms: round(percentile(viaPool, 50), 1), direct_sdk_p50_ms: round(percentile(direct, 50), 1), samples: COLD_STARTS };
      }
      results.cold_start_spawn_initialize_list_tools = cold;
    }

    // 2. Warm tool call: pool (call socket, and HTTP) vs direct SDK stdio, interleaved in one run.
    await pool.client.ensureServer('warm', 'everything');
    const overHttp = new PoolClient({ baseUrl: pool.url, internalApiKey: TEST_INTERNAL_API_KEY, callSocket: false });
    const { client: direct } = await directClient(bin('mcp-server-everything'), ['stdio']);
    const echo = { serverId: 'everything', toolName: 'echo', arguments: { message: 'warm' } };
    const paths: Record<'socket' | 'http' | 'sdk', () => Promise<unknown>> = {
      socket: () => pool.client.callTool('warm', echo),
      http: () => overHttp.callTool('warm', echo),
      sdk: () => direct.callTool({ name: 'echo', arguments: { message: 'warm' } }),
    };
    for (let i = 0; i < 300; i++) for (const call of Object.values(paths)) await call();
    // Alternating call by call, so every path sees the same machine load.
    const latencies = { socket: [] as number[], http: [] as number[], sdk: [] as number[] };
    for (let i = 0; i < WARM_CALLS; i++) {
      for (const [name, call] of Object.entries(paths) as Array<[keyof typeof paths, () => Promise<unknown>]>) {
        const begin = performance.now();
        await call();
        latencies[name].push(performance.now() - begin);
      }
    }
    // The pool's CPU per call, on the socket path alone.
    const cpuBefore = cpuSeconds(pool.pid);
    for (let i = 0; i < WARM_CALLS; i++) await paths.socket();
    const poolCpuMsPerCall = ((cpuSeconds(pool.pid) - cpuBefore) * 1000) / WARM_CALLS;
    await direct.close();
    overHttp.close();
    const p50 = (name: keyof typeof latencies) => percentile(latencies[name], 50);
    const p99 = (name: keyof typeof latencies) => percentile(latencies[name], 99);
    results.warm_tool_call = {
      calls_each: WARM_CALLS,
      pool_p50_ms: round(p50('socket')),
      pool_p99_ms: round(p99('socket')),
      direct_sdk_p50_ms: round(p50('sdk')),
      direct_sdk_p99_ms: round(p99('sdk')),
      ratio_p50: round(p50('socket') / p50('sdk'), 2),
      added_ms_p50: round(p50('socket') - p50('sdk')),
      added_ms_p99: round(p99('socket') - p99('sdk')),
      target_added_ms_p50: 0.5,
      pool_process_cpu_ms_per_call: round(poolCpuMsPerCall),
      pool_over_http_p50_ms: round(p50('http')),
      pool_over_http_added_ms_p50: round(p50('http') - p50('sdk')),
    };
    if (ONLY_WARM) {
      console.log(JSON.stringify(results, null, 2));
      return;
    }

    // 3. A second chat turn (catalog + call) for the same user spawns nothing.
    const turn = async () => {
      await pool.client.catalog('chatter', ['everything', 'fs']);
      await pool.client.callTool('chatter', echo);
    };
    await turn();
    const spawnsBefore = await metric(pool, 'mcp_pool_spawns_total');
    await turn();
    results.second_turn_spawns = (await metric(pool, 'mcp_pool_spawns_total')) - spawnsBefore;

    // 4. Memory per idle user: one server-everything each.
    const before = rssMiB(pool.pid);
    for (let i = 0; i < IDLE_USERS; i++) await pool.client.ensureServer(`idle-${i}`, 'everything');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = rssMiB(pool.pid);
    results.memory_per_idle_user = {
      users: IDLE_USERS,
      pool_plus_children_mib_per_user: round((after.tree - before.tree) / IDLE_USERS, 1),
      pool_process_only_mib_per_user: round((after.self - before.self) / IDLE_USERS, 2),
    };
    await pool.kill();

    // 5. Spawn/evict cycles, by the idle timer (INACTIVE_TIME 0.001 min = 60 ms). This pool runs in
    // this process so the heap can be measured after a forced GC (RSS alone keeps V8's high-water mark).
    const cycling = await startTestPool({ label: 'bench-cycles', conf, env: { INACTIVE_TIME: '0.001', POOL_HEARTBEAT_MS: '1000' } });
    try {
      const running = () => [...cycling.service.pool.runningByOwner().values()].reduce((sum, count) => sum + count, 0);
      const settle = async () => {
        await waitFor(() => running() === 0, 30_000, 'every cycled server evicted');
        // The previous section's pool and its servers may still be exiting on a loaded machine.
        await waitFor(() => descendantsOf(process.pid).length === 0, 30_000, 'no child process left');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        gc();
        gc();
        return { heap: process.memoryUsage().heapUsed / 1048576, rss: process.memoryUsage().rss / 1048576 };
      };
      let started = 0;
      let peakProcesses = 0;
      const runCycles = async (count: number, budgetMs: number) => {
        const begin = performance.now();
        const limit = started + count;
        const worker = async () => {
          while (started < limit && performance.now() - begin < budgetMs) {
            const cycle = started++;
            await cycling.client.ensureServer(`cycle-${cycle}`, 'minimal');
            if (cycle % 25 === 0) peakProcesses = Math.max(peakProcesses, descendantsOf(process.pid).length);
          }
        };
        await Promise.all(Array.from({ length: CYCLE_CONCURRENCY }, worker));
        return (performance.now() - begin) / 1000;
      };
      await runCycles(50, CYCLE_BUDGET_MS); // warm-up: JIT and caches, not counted
      const warmed = started;
      const baseline = await settle();
      const seconds = await runCycles(MAX_CYCLES, CYCLE_BUDGET_MS);
      const cycles = started - warmed;
      const end = await settle();
      results.spawn_evict_cycles = {
        server: 'minimal raw JSON-RPC stdio server (node, no deps)',
        cycles,
        cycles_target: MAX_CYCLES,
        budget_s: CYCLE_BUDGET_MS / 1000,
        concurrency: CYCLE_CONCURRENCY,
        seconds: round(seconds, 1),
        cycles_per_s: round(cycles / seconds, 1),
        spawns_counted: await cycling.metric('mcp_pool_spawns_total'),
        idle_evictions_counted: await cycling.metric('mcp_pool_evictions_total', { reason: 'idle' }),
        peak_child_processes_sampled: peakProcesses,
        child_processes_after: descendantsOf(process.pid).length,
        heap_used_mib_baseline_after_gc: round(baseline.heap, 2),
        heap_used_mib_after_gc: round(end.heap, 2),
        rss_mib_baseline: round(baseline.rss, 1),
        rss_mib_after: round(end.rss, 1),
      };
    } finally {
      await cycling.close();
    }
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await Promise.all(pools.map((pool) => pool.kill()));
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
