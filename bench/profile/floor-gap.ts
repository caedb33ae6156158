/**
 * `npm run bench:floor-gap`: where the platform's CPU per completion goes beyond its library floor,
 * by category. Builds, runs hop-floor-bench (the `sdk` floor and the platform, side by side) with
 * `--cpu-prof` on the floor's front and worker and on the gateway and agent worker, cuts each
 * profile to the load phase (from the bench's "ttft done" on), and spreads each process's measured
 * CPU ms per completion over the categories of its profile (self time, idle excluded). Writes
 * docs/perf/floor-gap.md and prints it. Profiling slows every process alike; read the differences.
 * BENCH_SECONDS (6) and BENCH_ROUNDS (2) pass through. Profiles go to .cache/bench-profile/floor-gap/.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCallTree, parseCpuProfile, type TreeNode } from './call-tree.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const projectUrl = pathToFileURL(`${root}/`).href;
const profileDir = join(root, '.cache', 'bench-profile', 'floor-gap');
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
/** Self time in these functions is the process writing to its sockets (HTTP, Redis, the model). */
const SOCKET_WRITES = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String']);

interface HopFloorReport {
  sdk: { load: { cpuMsPerCompletion: Record<string, number> } };
  platform: { load: { cpuMsPerCompletion: Record<string, number> } };
}

/** Runs hop-floor-bench; resolves with its JSON report and the moment it printed "ttft done". */
async function runHopFloor(env: Record<string, string>): Promise<{ report: HopFloorReport; ttftDoneUs: number; table: string }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'bench/gateway/hop-floor-bench.ts'], {
    cwd: root,
    env: { ...process.env, BENCH_FLOOR_VARIANTS: 'sdk', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ttftDoneUs: number | undefined;
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line.startsWith('ttft done')) ttftDoneUs = monotonicUs();
    console.error(line);
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`hop-floor-bench exited ${code}`);
  if (ttftDoneUs === undefined) throw new Error('hop-floor-bench never printed "ttft done"');
  const tableAt = stdout.indexOf('\n### ');
  return { report: JSON.parse(stdout.slice(0, tableAt)) as HopFloorReport, ttftDoneUs, table: stdout.slice(tableAt).trim() };
}

/** The main thread's profile of each process in `dir` (V8 names them CPU.<date>.<time>.<pid>.<thread>.<seq>). */
function mainThreadProfiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name))
    .map((name) => join(dir, name));
}

interface CategoryTimes {
  activeMs: number;
  byCategory: Map<string, number>;
}

/** Self ms by category over the profile's part after `fromUs`, and the active ms it covers. */
function categoryTimes(file: string, fromUs: number): CategoryTimes {
  const tree = buildCallTree(parseCpuProfile(readFileSync(file, 'utf8')), projectUrl, { startUs: fromUs, endUs: Number.MAX_SAFE_INTEGER });
  const byCategory = new Map<string, number>();
  const pending: TreeNode[] = [tree.root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    pending.push(...node.children);
    if (node.selfMs === 0) continue;
    const { category, functionName } = node.frame;
    const name = SOCKET_WRITES.has(functionName) ? 'socket writes' : category.name;
    byCategory.set(name, (byCategory.get(name) ?? 0) + node.selfMs);
  }
  return { activeMs: tree.root.totalMs, byCategory };
}

/** µs per completion by category: the process's measured CPU per completion spread by its profile's shares. */
function perCompletion({ activeMs, byCategory }: CategoryTimes, cpuMsPerCompletion: number): Map<string, number> {
  return new Map([...byCategory].map(([name, ms]) => [name, (ms / activeMs) * cpuMsPerCompletion * 1000]));
}

function gapRows(floor: Map<string, number>, platform: Map<string, number>): string[] {
  const names = [...new Set([...floor.keys(), ...platform.keys()])];
  const gap = (name: string) => (platform.get(name) ?? 0) - (floor.get(name) ?? 0);
  names.sort((a, b) => gap(b) - gap(a));
  const us = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(0));
  const total = (map: Map<string, number>) => [...map.values()].reduce((sum, value) => sum + value, 0);
  const shown = names.filter((name) => Math.abs(gap(name)) >= 5 || (platform.get(name) ?? 0) >= 10);
  const rest = names.filter((name) => !shown.includes(name));
  const restOf = (map: Map<string, number>) => rest.reduce((sum, name) => sum + (map.get(name) ?? 0), 0);
  return [
    ...shown.map((name) => `| ${name} | ${us(floor.get(name))} | ${us(platform.get(name))} | ${gap(name) >= 0 ? '+' : ''}${gap(name).toFixed(0)} |`),
    `| ${rest.length} more | ${restOf(floor).toFixed(0)} | ${restOf(platform).toFixed(0)} | ${(restOf(platform) - restOf(floor)).toFixed(0)} |`,
    `| **all** | **${total(floor).toFixed(0)}** | **${total(platform).toFixed(0)}** | **+${(total(platform) - total(floor)).toFixed(0)}** |`,
  ];
}

const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

rmSync(profileDir, { recursive: true, force: true });
const dirs = { floor: join(profileDir, 'floor'), platform: join(profileDir, 'platform') };
for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
const cpuProf = (dir: string) => `--cpu-prof --cpu-prof-dir=${dir}`;
const env = { BENCH_FLOOR_NODE_ARGS: cpuProf(dirs.floor), BENCH_GATEWAY_NODE_ARGS: cpuProf(dirs.platform), BENCH_WORKER_NODE_ARGS: cpuProf(dirs.platform) };
const command = `${Object.entries(env)
  .map(([name, value]) => `${name}="${value.replaceAll(`${root}/`, '')}"`)
  .join(' ')} BENCH_FLOOR_VARIANTS=sdk node --conditions=source --import tsx bench/gateway/hop-floor-bench.ts`;
const { report, ttftDoneUs, table } = await runHopFloor(env);

// Each profile read once. The worker of either side is the process that spent the most in the AWS SDK under load.
const times = new Map<string, CategoryTimes>();
const sdkMs = (file: string) => times.get(file)!.byCategory.get('@smithy/core') ?? 0;
const sides = Object.fromEntries(
  (['floor', 'platform'] as const).map((side) => {
    const files = mainThreadProfiles(dirs[side]);
    if (files.length !== 2) throw new Error(`expected a front and a worker profile in ${relative(root, dirs[side])}, found ${files.length}`);
    for (const file of files) times.set(file, categoryTimes(file, ttftDoneUs));
    const [worker, front] = [...files].sort((a, b) => sdkMs(b) - sdkMs(a)) as [string, string];
    return [side, { front, worker }];
  }),
) as Record<'floor' | 'platform', { front: string; worker: string }>;

// For a closer look at the same profiles (bench/profile's call tree, cut at ttftDoneUs).
writeFileSync(join(profileDir, 'run.json'), JSON.stringify({ ttftDoneUs, profiles: sides, report }, null, 2));
const floorCpu = report.sdk.load.cpuMsPerCompletion;
const platformCpu = report.platform.load.cpuMsPerCompletion;
const markdown = [
  '## The platform against its floor, by category',
  '',
  `The CPU each process spends per non-stream completion beyond what the floor's process spends (hop-floor-bench: the \`sdk\` floor, BullMQ and the AWS SDK with none of the platform's code), split by what the time went to: each process's measured CPU ms per completion (the load windows) spread over the categories of its CPU profile's self time, from the end of the time-to-first-token phase on. Socket writes are the write calls to HTTP, Redis and model sockets; node internals are the rest of Node's own JavaScript and native code. Profiling slows every process, so the totals are above an unprofiled run's: read the differences.`,
  '',
  `Command: \`npm run bench:floor-gap\`, which runs \`${command}\`.`,
  '',
  table,
  '',
  `### front → gateway (µs per completion)`,
  '',
  '| category | floor front | gateway | gap |',
  '|---|---:|---:|---:|',
  ...gapRows(perCompletion(times.get(sides.floor.front)!, floorCpu.front ?? 0), perCompletion(times.get(sides.platform.front)!, platformCpu.gateway ?? 0)),
  '',
  `### floor worker → agent worker (µs per completion)`,
  '',
  '| category | floor worker | agent worker | gap |',
  '|---|---:|---:|---:|',
  ...gapRows(perCompletion(times.get(sides.floor.worker)!, floorCpu.worker ?? 0), perCompletion(times.get(sides.platform.worker)!, platformCpu['agent-worker-1'] ?? 0)),
  '',
].join('\n');
writeFileSync(join(root, 'docs', 'perf', 'floor-gap.md'), markdown);
console.log(`\n${markdown}`);
