import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Logger } from '@bedrock-mcp/common';
import { resolveCommand } from '../transport/command-path.js';
import { isInside } from './exposed-paths.js';
import { BwrapSandbox } from './bwrap-sandbox.js';
import type { ResourceLimits } from './resource-limits.js';
import type { Sandbox } from './sandbox.js';
import { Unsandboxed } from './unsandboxed.js';

type SandboxMode = 'auto' | 'bwrap' | 'none';

export interface CreateSandboxOptions {
  mode: SandboxMode;
  production: boolean;
  limits: ResourceLimits;
  projectRoot: string;
  protectedPaths: string[];
  /** The pool's environment: its PATH finds bwrap and prlimit; NODE_EXTRA_CA_CERTS is made visible. */
  parentEnv: NodeJS.ProcessEnv;
  logger: Logger;
  /** Milliseconds the start-up probe may take; default 10 s. */
  probeTimeoutMs?: number;
}

/**
 * The sandbox MCP_SANDBOX asks for. For bwrap and auto, one probe runs `true` exactly as a server
 * would run (namespaces, mounts, limits): `bwrap` fails start-up when it does not work, `auto`
 * then fails in production and falls back with a warning elsewhere. `none` warns.
 */
export async function createSandbox(options: CreateSandboxOptions): Promise<Sandbox> {
  const { logger } = options;
  const prlimitPath = findCommand('prlimit', options.parentEnv);
  if (!prlimitPath) logger.warn('prlimit (util-linux) not found: MCP servers run without process, memory, open-file and CPU limits');
  const unsandboxed = new Unsandboxed({ prlimitPath, limits: options.limits });
  if (options.mode === 'none') {
    logger.warn('MCP_SANDBOX=none: stdio MCP servers run unsandboxed, as the pool user, and can read what the pool can (its environment, every workspace, Redis on the network)');
    return unsandboxed;
  }
  const problem = await probeBwrap(options, prlimitPath);
  if (typeof problem !== 'string') {
    logger.info({ sandbox: 'bwrap' }, 'stdio MCP servers run sandboxed (bubblewrap)');
    return problem;
  }
  const message = `bubblewrap sandbox unavailable: ${problem}`;
  if (options.mode === 'bwrap') throw new Error(`MCP_SANDBOX=bwrap: ${message}`);
  if (options.production) {
    throw new Error(`${message}. Install bubblewrap and allow user namespaces (README: MCP servers, the sandbox), or set MCP_SANDBOX=none explicitly to run MCP servers unsandboxed`);
  }
  logger.error(`${message} — stdio MCP servers run UNSANDBOXED and can read the pool's secrets and every user's workspace (a production start refuses this)`);
  return unsandboxed;
}

/** The working sandbox, or why it does not work. */
async function probeBwrap(options: CreateSandboxOptions, prlimitPath: string | undefined): Promise<BwrapSandbox | string> {
  const bwrapPath = findCommand('bwrap', options.parentEnv);
  if (!bwrapPath) return 'bwrap is not installed (Debian/Ubuntu package bubblewrap)';
  const truePath = findCommand('true', options.parentEnv);
  if (!truePath) return '`true` not found on PATH for the probe';
  const caFile = options.parentEnv.NODE_EXTRA_CA_CERTS;
  const build = (limits: ResourceLimits) =>
    new BwrapSandbox({
      bwrapPath,
      prlimitPath,
      limits,
      projectRoot: options.projectRoot,
      protectedPaths: options.protectedPaths,
      extraReadOnly: caFile && isAbsolute(caFile) && existsSync(caFile) && !isInside(caFile, '/etc') && !isInside(caFile, '/usr') ? [caFile] : [],
    });
  const sandbox = build(options.limits);
  const problem = await runProbe(sandbox, truePath, [], options);
  if (problem) return `${bwrapPath} failed: ${problem}`;
  if (options.limits.serverMaxProcesses <= 0 || !prlimitPath || (await countsPerNamespace(build, options))) return sandbox;
  options.logger.warn(
    'this kernel counts RLIMIT_NPROC per user, not per user namespace (Linux before 5.14): MCP_SERVER_MAX_PROCESSES is not enforced without cgroups, only MCP_ALL_SERVERS_MAX_PROCESSES for all servers together',
  );
  return build({ ...options.limits, serverMaxProcesses: 0 });
}

/**
 * Whether RLIMIT_NPROC set inside a sandbox counts only that sandbox's tasks: with a limit of 4, a
 * shell in it forks once (3 tasks in the namespace, with bwrap's init), which a count over the
 * pool's whole uid (the pool's own threads are more than 4) would refuse.
 */
async function countsPerNamespace(build: (limits: ResourceLimits) => BwrapSandbox, options: CreateSandboxOptions): Promise<boolean> {
  const shPath = findCommand('sh', options.parentEnv);
  if (!shPath) return false;
  const probe = build({ ...options.limits, allServersMaxProcesses: 0, serverMaxProcesses: 4 });
  return (await runProbe(probe, shPath, ['-c', 'true & wait $!'], options)) === undefined;
}

/** Runs a command as a server would run (namespaces, mounts, limits): undefined when it succeeds, else why not. */
function runProbe(sandbox: BwrapSandbox, command: string, args: string[], options: CreateSandboxOptions): Promise<string | undefined> {
  const probe = sandbox.wrap({ command, args, env: { PATH: options.parentEnv.PATH ?? '/usr/bin:/bin' }, cwd: options.projectRoot }, { network: false, workspace: undefined, exposeArgFiles: false });
  return new Promise((resolve) => {
    execFile(probe.command, probe.args, { env: probe.env, cwd: probe.cwd, timeout: options.probeTimeoutMs ?? 10_000 }, (error, _stdout, stderr) => {
      resolve(error ? (stderr.trim() || error.message).slice(0, 500) : undefined);
    });
  });
}

function findCommand(name: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return resolveCommand(name, env.PATH, '/');
  } catch {
    return undefined;
  }
}
