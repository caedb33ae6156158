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

export type SandboxMode = 'auto' | 'bwrap' | 'none';

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
  const sandbox = new BwrapSandbox({
    bwrapPath,
    prlimitPath,
    limits: options.limits,
    projectRoot: options.projectRoot,
    protectedPaths: options.protectedPaths,
    extraReadOnly: caFile && isAbsolute(caFile) && existsSync(caFile) && !isInside(caFile, '/etc') && !isInside(caFile, '/usr') ? [caFile] : [],
  });
  const probe = sandbox.wrap({ command: truePath, args: [], env: { PATH: options.parentEnv.PATH ?? '/usr/bin:/bin' }, cwd: options.projectRoot }, { network: false, workspace: undefined, exposeArgFiles: false });
  return new Promise((resolve) => {
    execFile(probe.command, probe.args, { env: probe.env, cwd: probe.cwd, timeout: options.probeTimeoutMs ?? 10_000 }, (error, _stdout, stderr) => {
      resolve(error ? `${bwrapPath} failed: ${(stderr.trim() || error.message).slice(0, 500)}` : sandbox);
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
