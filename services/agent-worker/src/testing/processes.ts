import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfigFileSchema } from '@bedrock-mcp/contracts';
import { freePort, TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import type { z } from 'zod';

const PROJECT_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Absolute path of a file in services/agent-worker/test-fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../test-fixtures/${name}`, import.meta.url));
}


/** Writes a conf/config.json for a test and returns its path. */
export function writeAppConfig(dir: string, config: z.input<typeof AppConfigFileSchema>): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Last lines of stdout+stderr, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<number | null>;
}

/** Runs a service's main.ts from source, as the team runs services in tests (with the harnesses' INTERNAL_API_KEY unless `env` names one). */
export function startService(entry: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', INTERNAL_API_KEY: TEST_INTERNAL_API_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<void> | undefined;
  return {
    child,
    exited,
    output: () => lines.join('\n'),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop: (graceMs = 5000) => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Polls `url` until it answers 200, or throws with the process output after `timeoutMs`. */
export async function waitForHttpOk(url: string, service: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${url}: the process exited (${service.child.exitCode}):\n${service.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${service.output()}`);
}

/** A real mcp-pool process on a free port, serving the servers of `configPath`. */
export async function startPoolProcess(options: { redisUrl: string; redisPrefix: string; configPath: string; extraEnv?: Record<string, string> }): Promise<{ url: string; process: ServiceProcess }> {
  const port = await freePort();
  const service = startService('services/mcp-pool/src/main.ts', {
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    MCP_POOL_PORT: String(port),
    MCP_POOL_HOST: '127.0.0.1',
    CONFIG_PATH: options.configPath,
    LOG_LEVEL: 'warn',
    ...options.extraEnv,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/readyz`, service);
  return { url, process: service };
}
