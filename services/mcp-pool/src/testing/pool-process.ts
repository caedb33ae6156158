import { spawn, type ChildProcess } from 'node:child_process';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { PROJECT_ROOT, waitFor } from './processes.js';

export interface PoolProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  client: PoolClient;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  output(): string;
  /** Stops the process if it still runs: SIGTERM (so it stops its servers), SIGKILL after 10 s. */
  kill(): Promise<void>;
  /** SIGKILL at once, as a crash: its servers are orphaned (and exit when their stdin closes). */
  crash(): Promise<void>;
}

/**
 * The pool as production runs it: `node --conditions=source --import tsx services/mcp-pool/src/main.ts`,
 * configured only through its environment (as `uid`/`gid` when given: the test must run as root).
 * Resolves once /readyz answers 200.
 */
export async function startPoolProcess(env: Record<string, string>, port: number, options: { uid?: number; gid?: number } = {}): Promise<PoolProcess> {
  // POOL_NODE_ARGS (space-separated): extra node flags for the pool process, e.g. `--cpu-prof` to profile it.
  const nodeArgs = (process.env.POOL_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--conditions=source', '--import', 'tsx', 'services/mcp-pool/src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...env, MCP_POOL_PORT: String(port), LOG_LEVEL: env.LOG_LEVEL === 'silent' ? 'warn' : (env.LOG_LEVEL ?? 'warn') },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`mcp-pool exited during start-up: ${output}`);
      return fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    },
    20_000,
    'mcp-pool process to be ready',
  );
  return {
    child,
    pid: child.pid!,
    url,
    client: new PoolClient({ baseUrl: url, internalApiKey: env.INTERNAL_API_KEY! }),
    exited,
    output: () => output,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
