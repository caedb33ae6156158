import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

/** docker-compose.yml run for real by `npm run test:deploy` (deploy/scripts/test-deploy.sh), through the Docker CLI. */

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `docker compose` (v2) or `docker-compose` (v1), as test-deploy.sh found it. */
const composeCommand = (process.env.DEPLOY_COMPOSE ?? 'docker-compose').split(' ');
/** Compose v1 (`docker-compose`) hands security options to the daemon unchanged. */
export const composeIsV1 = composeCommand[0] === 'docker-compose';

export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export interface ComposeProject {
  readonly name: string;
  /** Runs a compose subcommand against docker-compose.yml plus the override; returns stdout. */
  compose(args: string[], timeoutMs?: number): Promise<string>;
  /** The running containers of a service (ids). */
  containers(service: string): Promise<string[]>;
  /** `docker inspect` of one container. */
  inspect(id: string): Promise<ContainerInspect>;
  /** The compose file as compose resolved it (`compose config`): merge keys, variables, the override. */
  resolvedConfig(): Promise<{ services: Record<string, { read_only?: boolean; user?: string }> }>;
}

interface ContainerInspect {
  Id: string;
  State: { Status: string; Pid: number; Health?: { Status: string } };
  HostConfig: { ReadonlyRootfs: boolean };
  Config: { Image: string; Labels: Record<string, string> };
}

export function composeProject(name: string, overrideFile: string, env: Record<string, string>): ComposeProject {
  const compose = async (args: string[], timeoutMs = 300_000) => {
    const [command, ...prefix] = composeCommand;
    const { stdout } = await run(command!, [...prefix, '-p', name, '-f', 'docker-compose.yml', '-f', overrideFile, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  return {
    name,
    compose,
    async containers(service) {
      const out = await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${name}`, '--filter', `label=com.docker.compose.service=${service}`]);
      return out.split('\n').filter(Boolean);
    },
    async inspect(id) {
      return (JSON.parse(await docker(['inspect', id])) as ContainerInspect[])[0]!;
    },
    async resolvedConfig() {
      return parseYaml(await compose(['config'])) as { services: Record<string, { read_only?: boolean; user?: string }> };
    },
  };
}

/** A stack's teardown: the project down with its volumes (a failure only logged), then the emulator closed and the folder removed. */
export async function tearDown(project: ComposeProject | undefined, emulator: { close(): Promise<void> } | undefined, dir: string | undefined): Promise<void> {
  await project?.compose(['down', '-v', '--remove-orphans']).catch((error: unknown) => console.error(error));
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** The uid a container's main process runs as, read from the host's /proc (the engine runs here). */
export function processUid(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
}

/** Docker resources (containers, networks, volumes) still labelled with the compose project. */
export async function leftovers(name: string): Promise<string[]> {
  const label = `label=com.docker.compose.project=${name}`;
  const lists = await Promise.all([
    docker(['ps', '-aq', '--filter', label]),
    docker(['network', 'ls', '-q', '--filter', label]),
    docker(['volume', 'ls', '-q', '--filter', label]),
  ]);
  return lists.flatMap((list) => list.split('\n').filter(Boolean));
}

/**
 * Waits until every service of `services` has a container whose health check passes (`running`
 * for one in `runningOnly`, which has none); throws with the states and the last log lines.
 */
export async function waitHealthy(project: ComposeProject, services: readonly string[], options: { runningOnly?: readonly string[]; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  const runningOnly = new Set(options.runningOnly ?? []);
  let states: string[] = [];
  while (Date.now() < deadline) {
    states = [];
    for (const service of services) {
      const [id] = await project.containers(service);
      const state = id ? await project.inspect(id) : undefined;
      const status = state?.State.Health?.Status ?? state?.State.Status ?? 'missing';
      states.push(`${service}=${status}`);
    }
    if (states.every((state, index) => state.endsWith(runningOnly.has(services[index]!) ? '=running' : '=healthy'))) return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(`not healthy after ${options.timeoutMs ?? 240_000} ms: ${states.join(' ')}\n${await project.compose(['logs', '--tail', '40']).catch(String)}`);
}
