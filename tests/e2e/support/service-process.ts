import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));


export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Where its stdout+stderr go in full. */
  readonly logPath: string;
  /** The last lines of its output (for failure messages). */
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void;
}

export interface ServiceLaunch {
  /** Go before the entry (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
  /** Run the compiled `services/<service>/dist/main.js` (`npm run build`), as production does. Default: the source through tsx. */
  built?: boolean;
  /** The checkout whose services run (a benchmark compares another build side by side). Default: this one. */
  projectRoot?: string;
}

/**
 * The V8 flags a service's image starts it with (the Dockerfile's CMD, checked by
 * tests/deploy/dockerfiles.test.ts), so tests and benchmarks run it as it ships. The gateway's
 * young generation is twice V8's default: with thousands of open streams, the state of each
 * waiting stream then dies young instead of being copied and promoted (bench/gateway, 2,000
 * streams: about 15 % less CPU per event, no full GC in the window, 25 MiB more RSS).
 */
export const SERVICE_NODE_ARGS: Readonly<Record<string, readonly string[]>> = {
  gateway: ['--max-semi-space-size=32'],
};

/**
 * Runs `services/<service>/src/main.ts` from source (`node --conditions=source --import tsx`), or
 * its build, with only the given environment (plus PATH and HOME), logging to `<logDir>/<name>.log`.
 */
export function startServiceProcess(name: string, service: string, env: Record<string, string>, logDir: string, launch: ServiceLaunch = {}): ServiceProcess {
  const root = launch.projectRoot ?? PROJECT_ROOT;
  const built = join(root, 'services', service, 'dist', 'main.js');
  if (launch.built && !existsSync(built)) throw new Error(`${built} does not exist: run npm run build first`);
  const entry = launch.built ? [built] : ['--conditions=source', '--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')];
  const child = spawn(process.execPath, [...(SERVICE_NODE_ARGS[service] ?? []), ...(launch.nodeArgs ?? []), ...entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logPath = join(logDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    if (tail.length > 60) tail.splice(0, tail.length - 60);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  let stopping: Promise<void> | undefined;
  return {
    name,
    child,
    logPath,
    exited,
    output: () => tail.join('\n'),
    signal: (signal) => {
      if (running()) child.kill(signal);
    },
    stop: (graceMs = 5000) => {
      stopping ??= (async () => {
        if (!running()) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Polls `url` until it answers 200; fails fast when the process exits, with its output. */
export async function waitUntilReady(url: string, service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`${service.name} exited (${service.child.exitCode ?? service.child.signalCode}) before ${url} was ready:\n${service.output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${service.name}: ${url} not ready within ${timeoutMs} ms (${last}):\n${service.output()}`);
}
