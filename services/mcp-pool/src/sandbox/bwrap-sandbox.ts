import { lstatSync, readlinkSync } from 'node:fs';
import { exposedPaths } from './exposed-paths.js';
import { prlimitOptions, type ResourceLimits } from './resource-limits.js';
import type { ProcessLaunch, Sandbox, SandboxProfile } from './sandbox.js';

/** The uid and gid a server runs as inside its user namespace (nobody): it owns nothing there. */
const SANDBOX_UID = 65534;
/** The server's private HOME, on its private /tmp (a tmpfs that goes with it). */
const SANDBOX_HOME = '/tmp/home';

/** Read-only system folders (merged-/usr symlinks are recreated as symlinks). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** The parts of /etc programs need: CA certificates, name resolution, users, time zone, the loader cache. No secrets. */
const SYSTEM_ETC = [
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/localtime',
  '/etc/passwd',
  '/etc/group',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
];

export interface BwrapSandboxOptions {
  /** Absolute path of `bwrap`. */
  bwrapPath: string;
  /** Absolute path of util-linux `prlimit`, which must be visible inside (under /usr); undefined: no limits. */
  prlimitPath: string | undefined;
  limits: ResourceLimits;
  projectRoot: string;
  /** Folders never mounted, whatever a conf server's args name (workspaces, data/, conf/). */
  protectedPaths: string[];
  /** Extra read-only files (NODE_EXTRA_CA_CERTS when it lies outside /etc/ssl). */
  extraReadOnly?: string[];
}

/**
 * bubblewrap: new user, pid, mount, ipc, uts, cgroup and (unless the profile allows it) network
 * namespaces; an empty root with read-only system folders, the project's node_modules, the
 * server's own files and its user's workspace (read-write); a private /proc (the pool's pid is not
 * in it), /dev, /tmp and HOME; no capabilities; `--die-with-parent`. `prlimit` sets the ceiling on
 * all servers' processes before bwrap makes the user namespace, and the per-process limits (and
 * the per-server process limit) within it, before the server's command runs.
 *
 * No `--new-session`: the pool spawns bwrap detached, so it already leads a new session without a
 * controlling terminal (nothing to inject keystrokes into), and the server staying in bwrap's
 * process group is what lets the pool's stop reach every process the server started.
 */
export class BwrapSandbox implements Sandbox {
  readonly kind = 'bwrap';
  readonly serverMaxProcesses: number;
  private readonly systemArgs: string[];
  private readonly systemPaths: string[];

  constructor(private readonly options: BwrapSandboxOptions) {
    const system = systemMounts();
    this.systemArgs = system.args;
    this.systemPaths = system.paths;
    this.serverMaxProcesses = options.prlimitPath ? options.limits.serverMaxProcesses : 0;
  }

  wrap(launch: ProcessLaunch, profile: SandboxProfile): ProcessLaunch {
    const paths = exposedPaths(launch, profile, { projectRoot: this.options.projectRoot, protectedPaths: this.options.protectedPaths, systemPaths: this.systemPaths });
    const args = [
      '--unshare-all',
      ...(profile.network ? ['--share-net'] : []),
      '--die-with-parent',
      '--cap-drop',
      'ALL',
      '--uid',
      String(SANDBOX_UID),
      '--gid',
      String(SANDBOX_UID),
      '--hostname',
      'mcp-sandbox',
      ...this.systemArgs,
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--tmpfs',
      '/tmp',
      '--dir',
      SANDBOX_HOME,
      ...(this.options.extraReadOnly ?? []).flatMap((path) => ['--ro-bind-try', path, path]),
      ...paths.readOnly.flatMap((path) => ['--ro-bind', path, path]),
      ...paths.readWrite.flatMap((path) => ['--bind', path, path]),
      '--chdir',
      launch.cwd,
      '--',
      ...this.limited(launch),
    ];
    const env = { ...launch.env, HOME: SANDBOX_HOME, TMPDIR: '/tmp' };
    const { prlimitPath } = this.options;
    const ceiling = this.options.limits.allServersMaxProcesses;
    if (!prlimitPath || ceiling <= 0) return { command: this.options.bwrapPath, args, env, cwd: launch.cwd };
    return { command: prlimitPath, args: [`--nproc=${ceiling}`, '--', this.options.bwrapPath, ...args], env, cwd: launch.cwd };
  }

  private limited(launch: ProcessLaunch): string[] {
    const limits = prlimitOptions(this.options.limits, this.options.limits.serverMaxProcesses);
    if (!this.options.prlimitPath || limits.length === 0) return [launch.command, ...launch.args];
    return [this.options.prlimitPath, ...limits, '--', launch.command, ...launch.args];
  }
}

/** bwrap arguments mounting the system folders and /etc files that exist here, and those paths. */
function systemMounts(): { args: string[]; paths: string[] } {
  const args: string[] = [];
  const paths: string[] = [];
  for (const path of [...SYSTEM_DIRS, ...SYSTEM_ETC]) {
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink() && SYSTEM_DIRS.includes(path)) args.push('--symlink', readlinkSync(path), path);
    else args.push('--ro-bind', path, path);
    paths.push(path);
  }
  return { args, paths };
}
