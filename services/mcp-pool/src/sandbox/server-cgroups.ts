import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ProcessLaunch } from './sandbox.js';

/** Limits of one server's cgroup, for all its processes together; 0 means no limit. */
interface ServerCgroupLimits {
  /** pids.max: processes and threads. */
  maxProcesses: number;
  /** memory.max (v2) / memory.limit_in_bytes (v1) in MiB; swap is not allowed on top where the kernel lets us say so. */
  maxMemoryMb: number;
}

/** One server's cgroup (one directory per hierarchy). */
export interface ServerCgroup {
  /** The launch, entering the cgroup before the command runs (see ENTER_SCRIPT). */
  enter(launch: ProcessLaunch): ProcessLaunch;
  /** Kills what is still inside, then removes the cgroup; idempotent. */
  remove(): Promise<void>;
}

/** The pool's cgroups for its servers: a parent per hierarchy, a child per started server. */
export interface ServerCgroups {
  /** For the start-up log line, e.g. `cgroup v1 (pids, memory)`. */
  readonly description: string;
  /** Whether memory is limited too (pids always is). */
  readonly limitsMemory: boolean;
  create(): ServerCgroup;
  /** Removes the pool's parent cgroups (after every server stopped); idempotent. */
  close(): Promise<void>;
}

export interface SetUpServerCgroupsOptions {
  limits: ServerCgroupLimits;
  /** /proc/self/cgroup and /proc/self/mountinfo are read from here; default /proc/self (tests: a fake tree). */
  procSelf?: string;
}

/**
 * A fixed script run by /bin/sh (no user input is ever parsed by it: the cgroup files and the
 * server's command are positional arguments): it writes its own pid into each `cgroup.procs`
 * given before `--`, then execs the command, so the server and everything it starts are counted
 * in the server's cgroup from the first instruction on.
 */
export const ENTER_SCRIPT = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
const SHELL = '/bin/sh';

type Controller = 'pids' | 'memory';
interface Hierarchy {
  /** The pool's parent cgroup in this hierarchy. */
  dir: string;
  controllers: Controller[];
  version: 1 | 2;
}

/**
 * Finds a cgroup hierarchy the pool may create cgroups in (v2 with the pids controller, or v1
 * pids, plus memory when it can), creates the pool's parent cgroups, and checks that a process
 * can enter a server cgroup. Returns why not when it cannot (the pool then has no per-server
 * process limit: see MCP_ALL_SERVERS_MAX_PROCESSES).
 */
export async function setUpServerCgroups(options: SetUpServerCgroupsOptions): Promise<ServerCgroups | { unavailable: string }> {
  const procSelf = options.procSelf ?? '/proc/self';
  let membership: string;
  let mountinfo: string;
  try {
    membership = readFileSync(join(procSelf, 'cgroup'), 'utf8');
    mountinfo = readFileSync(join(procSelf, 'mountinfo'), 'utf8');
  } catch (error) {
    return { unavailable: `cannot read the pool's cgroups: ${(error as Error).message}` };
  }
  // Unique per set-up: pools in one process (tests) must not share a parent.
  const poolName = `mcp-servers-${process.pid}-${randomBytes(4).toString('hex')}`;
  const found = (await tryV2(membership, mountinfo, poolName)) ?? tryV1(membership, mountinfo, poolName);
  if (typeof found === 'string') return { unavailable: found };
  const cgroups = new PoolCgroups(found, options.limits);
  const problem = await cgroups.probe();
  if (problem) {
    await cgroups.close();
    return { unavailable: problem };
  }
  return cgroups;
}

class PoolCgroups implements ServerCgroups {
  readonly description: string;
  readonly limitsMemory: boolean;
  private created = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly hierarchies: Hierarchy[],
    private readonly limits: ServerCgroupLimits,
  ) {
    const controllers = hierarchies.flatMap((hierarchy) => hierarchy.controllers);
    this.limitsMemory = controllers.includes('memory');
    this.description = `cgroup v${hierarchies[0]?.version ?? '?'} (${controllers.join(', ')}) under ${hierarchies.map((hierarchy) => hierarchy.dir).join(', ')}`;
  }

  create(): ServerCgroup {
    const name = `server-${++this.created}`;
    const dirs: string[] = [];
    try {
      for (const hierarchy of this.hierarchies) {
        const dir = join(hierarchy.dir, name);
        mkdirSync(dir);
        dirs.push(dir);
        if (hierarchy.controllers.includes('pids')) writeLimit(dir, 'pids.max', this.limits.maxProcesses > 0 ? String(this.limits.maxProcesses) : 'max');
        if (hierarchy.controllers.includes('memory')) setMemoryLimit(dir, hierarchy.version, this.limits.maxMemoryMb);
      }
    } catch (error) {
      void removeCgroups(dirs);
      throw error;
    }
    let removing: Promise<void> | undefined;
    return {
      enter: (launch) => ({
        ...launch,
        command: SHELL,
        args: ['-c', ENTER_SCRIPT, 'mcp-cgroup-enter', ...dirs.map((dir) => join(dir, 'cgroup.procs')), '--', launch.command, ...launch.args],
      }),
      remove: () => {
        removing ??= removeCgroups(dirs);
        return removing;
      },
    };
  }

  /** Runs `true` in a server cgroup: writing cgroup.procs may be refused where mkdir was not. */
  async probe(): Promise<string | undefined> {
    let cgroup: ServerCgroup;
    try {
      cgroup = this.create();
    } catch (error) {
      return `cannot create a server cgroup: ${(error as Error).message}`;
    }
    const launch = cgroup.enter({ command: 'true', args: [], env: { PATH: '/usr/bin:/bin' }, cwd: '/' });
    const problem = await new Promise<string | undefined>((resolve) => {
      execFile(launch.command, launch.args, { env: launch.env, cwd: launch.cwd, timeout: 10_000 }, (error, _stdout, stderr) => {
        resolve(error ? `cannot move a process into a server cgroup: ${(stderr.trim() || error.message).slice(0, 300)}` : undefined);
      });
    });
    await cgroup.remove();
    return problem;
  }

  close(): Promise<void> {
    this.closing ??= removeCgroups(this.hierarchies.map((hierarchy) => hierarchy.dir));
    return this.closing;
  }
}

/** v2: the pool's own cgroup must offer pids; the pool's parent is made beside the pool, with the controllers on for its children. */
async function tryV2(membership: string, mountinfo: string, poolName: string): Promise<Hierarchy[] | undefined> {
  const path = membership.split('\n').find((line) => line.startsWith('0::'))?.slice(3);
  const mount = path === undefined ? undefined : mountsOf(mountinfo).find((entry) => entry.type === 'cgroup2');
  if (path === undefined || !mount) return undefined;
  const own = join(mount.point, relative(mount.root, path));
  const available = readWords(join(own, 'cgroup.controllers'));
  if (!available.includes('pids')) return undefined;
  const wanted: Controller[] = available.includes('memory') ? ['pids', 'memory'] : ['pids'];
  if (!enableControllers(own, wanted)) {
    // "No internal processes": a cgroup holding processes cannot hand controllers to children.
    // Move the pool into a leaf of its own cgroup and try again (fails if others share it).
    try {
      const leaf = join(own, 'mcp-pool');
      mkdirSync(leaf, { recursive: true });
      writeFileSync(join(leaf, 'cgroup.procs'), String(process.pid));
    } catch {
      return undefined;
    }
    if (!enableControllers(own, wanted)) return undefined;
  }
  const dir = join(own, poolName);
  removeStalePools(own);
  try {
    mkdirSync(dir, { recursive: true });
    if (!enableControllers(dir, wanted)) throw new Error('controllers refused');
  } catch {
    await removeCgroups([dir]);
    return undefined;
  }
  return [{ dir, controllers: wanted, version: 2 }];
}

/** v1: a pids hierarchy (required) and a memory one (if writable), each with the pool's parent inside the pool's own cgroup. */
function tryV1(membership: string, mountinfo: string, poolName: string): Hierarchy[] | string {
  const mounts = mountsOf(mountinfo).filter((entry) => entry.type === 'cgroup');
  const hierarchies: Hierarchy[] = [];
  const problems: string[] = [];
  for (const controller of ['pids', 'memory'] as const) {
    const line = membership.split('\n').find((entry) => entry.split(':')[1]?.split(',').includes(controller));
    const mount = mounts.find((entry) => entry.options.split(',').includes(controller));
    if (!line || !mount) {
      problems.push(`no cgroup v1 ${controller} hierarchy`);
      continue;
    }
    const own = join(mount.point, relative(mount.root, line.split(':').slice(2).join(':')));
    const dir = join(own, poolName);
    removeStalePools(own);
    try {
      mkdirSync(dir, { recursive: true });
      hierarchies.push({ dir, controllers: [controller], version: 1 });
    } catch (error) {
      problems.push(`cannot create ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (!hierarchies.some((hierarchy) => hierarchy.controllers.includes('pids'))) {
    void removeCgroups(hierarchies.map((hierarchy) => hierarchy.dir));
    return `no writable cgroup with the pids controller (${problems.join('; ') || 'no cgroup v2 pids either'})`;
  }
  return hierarchies;
}

interface Mount {
  root: string;
  point: string;
  type: string;
  options: string;
}

/** The mounts listed in /proc/self/mountinfo: `id parent dev root point opts [tags] - type source superopts`. */
function mountsOf(mountinfo: string): Mount[] {
  return mountinfo
    .split('\n')
    .filter((line) => line.includes(' - '))
    .map((line) => {
      const [left = '', right = ''] = line.split(' - ');
      const fields = left.split(' ');
      const [type = '', , options = ''] = right.split(' ');
      return { root: unescapeMount(fields[3] ?? ''), point: unescapeMount(fields[4] ?? ''), type, options };
    });
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function readWords(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Turns the controllers on for the children of `dir`; false when the kernel refuses. */
function enableControllers(dir: string, controllers: Controller[]): boolean {
  const enabled = readWords(join(dir, 'cgroup.subtree_control'));
  try {
    for (const controller of controllers) {
      if (!enabled.includes(controller)) writeFileSync(join(dir, 'cgroup.subtree_control'), `+${controller}`);
    }
    return true;
  } catch {
    return false;
  }
}

function writeLimit(dir: string, file: string, value: string): void {
  writeFileSync(join(dir, file), value);
}

function setMemoryLimit(dir: string, version: 1 | 2, mb: number): void {
  const bytes = mb * 1024 * 1024;
  if (version === 2) {
    writeLimit(dir, 'memory.max', mb > 0 ? String(bytes) : 'max');
    // Without swap, memory.max is a hard ceiling; the whole server goes when it is hit.
    if (mb > 0 && existsSync(join(dir, 'memory.swap.max'))) writeLimit(dir, 'memory.swap.max', '0');
    if (existsSync(join(dir, 'memory.oom.group'))) writeLimit(dir, 'memory.oom.group', '1');
    return;
  }
  if (mb <= 0) return;
  writeLimit(dir, 'memory.limit_in_bytes', String(bytes));
  // memory+swap, where swap accounting exists: must come after the memory limit (it may not be lower).
  if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) writeLimit(dir, 'memory.memsw.limit_in_bytes', String(bytes));
}

/**
 * Removes cgroup directories (children first), SIGKILLing whatever is still in them (a server's
 * process that left its process group), retrying while the kernel still counts exiting tasks;
 * gives up after about 2 s and leaves the directory.
 */
async function removeCgroups(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    const deadline = Date.now() + 2000;
    for (;;) {
      for (const child of subdirectories(dir)) await removeCgroups([join(dir, child)]);
      killAll(dir);
      try {
        rmdirSync(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || Date.now() > deadline) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20).unref());
    }
  }
}

/**
 * Removes the empty cgroups a pool killed with SIGKILL left beside ours (its servers died with it:
 * `--die-with-parent`). Never kills: a cgroup that still holds a process stays.
 */
function removeStalePools(dir: string): void {
  for (const name of subdirectories(dir)) {
    const pid = /^mcp-servers-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processExists(Number(pid))) continue;
    const pool = join(dir, name);
    for (const server of subdirectories(pool)) rmdirQuietly(join(pool, server));
    rmdirQuietly(pool);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Still in use (or already gone).
  }
}

function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

function killAll(dir: string): void {
  if (existsSync(join(dir, 'cgroup.kill'))) {
    try {
      writeFileSync(join(dir, 'cgroup.kill'), '1');
      return;
    } catch {
      // Fall back to one signal per process.
    }
  }
  for (const pid of readWords(join(dir, 'cgroup.procs'))) {
    const number = Number(pid);
    if (!Number.isInteger(number) || number <= 0) continue;
    try {
      process.kill(number, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
