/**
 * `npm run bench:profile`: builds, runs the benchmarks with `--cpu-prof` on the services, and
 * turns each profile into docs/perf/<service>.svg, .png and .md, then rewrites docs/perf/README.md.
 *   1. gateway-bench, throughput only (BENCH_ONLY=throughput): profiles of the gateway and the
 *      agent worker(s), cut to the BENCH_SECONDS that end when the bench reports "throughput done";
 *   2. pool-bench, warm tool calls only (BENCH_ONLY=warm): the mcp-pool's profile, whole process
 *      (that bench marks no window).
 * BENCH_SECONDS (12) and BENCH_WORKERS (1) pass through. Profiles go to .cache/bench-profile/
 * (ignored by git), replaced on every run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SampleWindow } from './call-tree.js';
import { writeFlameGraphs, type FlameGraphJob } from './flame-graph-files.js';
import { perfReadme } from './perf-readme.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const profileDir = join(root, '.cache', 'bench-profile');
const docsDir = join(root, 'docs', 'perf');
const seconds = Number(process.env.BENCH_SECONDS ?? 12);
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(' ');

interface BenchRun {
  /** As a reader would type it, from the repository root. */
  command: string;
  /** When the bench printed "throughput done" (monotonic µs), if it did. */
  throughputDoneUs?: number;
}

/** Runs a bench from source with extra env; its stdout and stderr go through, stderr is watched for "throughput done". */
async function runBench(file: string, env: Record<string, string>): Promise<BenchRun> {
  const args = ['--conditions=source', '--import', 'tsx', file];
  const command = `${Object.entries(env)
    .map(([name, value]) => `${name}=${/\s/.test(value) ? `"${value}"` : value}`)
    .join(' ')} node ${args.join(' ')}`;
  console.log(`\n=== ${command}`);
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'pipe'] });
  const run: BenchRun = { command };
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.startsWith('throughput done')) run.throughputDoneUs = monotonicUs();
    console.error(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${file} exited ${code}`);
  return run;
}

/** The .cpuprofile files one service wrote, oldest first (one per process). */
function profilesIn(dir: string): string[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) throw new Error(`no .cpuprofile in ${relative(root, dir)}: did the service exit cleanly?`);
  return files.map((name) => join(dir, name));
}

const cpuProf = (dir: string) => `--cpu-prof --cpu-prof-dir=${relative(root, dir)}`;

const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

rmSync(profileDir, { recursive: true, force: true });
const dirs = { gateway: join(profileDir, 'gateway'), worker: join(profileDir, 'agent-worker'), pool: join(profileDir, 'mcp-pool') };
for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
const loadAtStart = loadAverage();
const busyAtStart = loadavg()[0]! > cpus().length / 2;

const stackRun = await runBench('bench/gateway/gateway-bench.ts', {
  BENCH_ONLY: 'throughput',
  BENCH_SECONDS: String(seconds),
  BENCH_GATEWAY_NODE_ARGS: cpuProf(dirs.gateway),
  BENCH_WORKER_NODE_ARGS: cpuProf(dirs.worker),
});
const poolRun = await runBench('bench/mcp-pool/pool-bench.ts', { BENCH_ONLY: 'warm', POOL_NODE_ARGS: cpuProf(dirs.pool) });

if (stackRun.throughputDoneUs === undefined) throw new Error('gateway-bench never printed "throughput done"');
const window: SampleWindow = { startUs: stackRun.throughputDoneUs - seconds * 1e6, endUs: stackRun.throughputDoneUs };
const windowScope = `the ${seconds} s before "throughput done"`;
const job = (service: string, profilePath: string, run: BenchRun, scope: string, sampleWindow?: SampleWindow): FlameGraphJob => ({
  profilePath,
  service,
  command: run.command,
  scope,
  window: sampleWindow,
  outBase: join(docsDir, service),
  projectRoot: root,
});
const workerProfiles = profilesIn(dirs.worker);
const jobs = [
  job('gateway', profilesIn(dirs.gateway)[0]!, stackRun, windowScope, window),
  ...workerProfiles.map((path, index) => job(workerProfiles.length > 1 ? `agent-worker-${index + 1}` : 'agent-worker', path, stackRun, windowScope, window)),
  job('mcp-pool', profilesIn(dirs.pool)[0]!, poolRun, 'whole process, start-up included'),
];
const summaries = await writeFlameGraphs(jobs);
writeFileSync(
  join(docsDir, 'README.md'),
  perfReadme({
    date: new Date().toISOString(),
    machine: `${cpus().length} CPUs, node ${process.version}, load average ${loadAtStart} at start, ${loadAverage()} at end`,
    busy: busyAtStart || loadavg()[0]! > cpus().length / 2,
    services: jobs.map((entry, index) => ({ service: entry.service, summary: summaries[index]! })),
  }),
);
console.log(`\nwrote ${jobs.map((entry) => relative(root, entry.outBase)).join(', ')} (.svg, .png, .md) and docs/perf/README.md`);
