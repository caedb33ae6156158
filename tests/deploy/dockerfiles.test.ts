import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copiesOf, createDockerignoreMatcher, expandArgs, runsOf, stageChain, workspacesOf, type Dockerfile } from '../../deploy/scripts/dockerfile.js';
import { SERVICE_NODE_ARGS } from '../e2e/support/service-process.js';
import { APP_SERVICES, exists, readDockerfile, readText, repoRoot, tsconfigClosure } from './deploy-files.js';

// The Dockerfile parsed and checked against the repository it builds. `npm run test:deploy`
// (tests/docker) builds and runs it for real.

const ignored = createDockerignoreMatcher(readText('.dockerignore'));
const NODE_SERVICES = ['gateway', 'agent-worker', 'mcp-pool'] as const;
const dockerfile: Dockerfile = readDockerfile('Dockerfile');
const stage = (name: string) => dockerfile.stages.find((candidate) => candidate.name === name)!;
const build = stage('build');

/** The `production <service> <npm flag> <workspace>…` lines of the build stage: each service's production dependencies. */
function productionInstalls(): Map<string, { flag: string; workspaces: string[] }> {
  const install = runsOf(build).find((command) => command.includes('production() {'))!;
  const calls = [...install.matchAll(/&& production (\S+) (\S+) ([^&]+)/g)];
  return new Map(calls.map(([, service, flag, workspaces]) => [service!, { flag: flag!, workspaces: workspaces!.trim().split(/\s+/) }]));
}

/** The folders the build stage copies from each workspace a runtime tree (/deps/<service>) has. */
function assembledFolders(): { folders: string[] } {
  const compile = runsOf(build).find((command) => command.includes('tsc -b'))!;
  return { folders: /for folder in ([\w ]+); do/.exec(compile)?.[1]?.split(' ') ?? [] };
}

describe('.dockerignore', () => {
  it('keeps secrets, dependencies, build output and the stand-in image cache out of the build context', () => {
    for (const path of ['.env', '.env.local', 'conf/credential.csv', 'node_modules', 'services/gateway/node_modules/x', 'packages/common/dist/index.js', '.git', 'data/workspaces/u1', '.cache/deploy/debian-bookworm-minbase.tar']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['package.json', 'package-lock.json', 'conf/config.json', 'packages/common/src/index.ts', 'services/web/server.mjs']) {
      expect(ignored(path), path).toBe(false);
    }
  });
});

describe('Dockerfile: one file, one build stage, a target per service', () => {
  it('has no `# syntax=` line (BuildKit would pull a frontend image, which no registry-less machine has)', () => {
    expect(readText('Dockerfile')).not.toMatch(/^#\s*syntax=/m);
  });

  it('compiles every service in one build stage, from one install', () => {
    const compiling = dockerfile.stages.filter((candidate) => runsOf(candidate).some((command) => command.includes('tsc -b')));
    expect(compiling.map((candidate) => candidate.name)).toEqual(['build']);
    const compile = runsOf(build).find((command) => command.includes('tsc -b'))!.replace(/\s+/g, ' ');
    expect(compile).toMatch(/^npx tsc -b services\/gateway services\/agent-worker services\/mcp-pool && npm run build -w services\/web -- --sourcemap false /);
    const installs = dockerfile.stages.flatMap((candidate) => runsOf(candidate)).filter((command) => /npm ci (?!--omit)/.test(command));
    expect(installs).toHaveLength(1);
    const everyWorkspace = [...new Set(NODE_SERVICES.flatMap((service) => tsconfigClosure(`services/${service}`)))].concat('services/web').sort();
    expect(workspacesOf(installs[0]!).sort()).toEqual(everyWorkspace);
    const manifests = copiesOf(build).flatMap((copy) => copy.sources);
    for (const workspace of everyWorkspace) expect(manifests).toContain(`${workspace}/package.json`);
  });

  it('builds every stage a service target comes after from local images only (the classic builder builds them all)', () => {
    const stageNames = new Set(dockerfile.stages.map((candidate) => candidate.name));
    const lastServiceTarget = Math.max(...APP_SERVICES.map((service) => dockerfile.stages.findIndex((candidate) => candidate.name === service)));
    for (const candidate of dockerfile.stages.slice(0, lastServiceTarget + 1)) {
      const base = expandArgs(candidate.from, dockerfile);
      if (!stageNames.has(base)) expect(candidate.from, `FROM ${candidate.from} AS ${candidate.name}`).toBe('node:${NODE_VERSION}-slim');
    }
    expect(Number(dockerfile.globalArgs.get('NODE_VERSION'))).toBeGreaterThanOrEqual(22);
  });

  it('copies from the build context only paths that exist and are not ignored, and from stages that exist', () => {
    const names = dockerfile.stages.map((candidate) => candidate.name);
    for (const candidate of dockerfile.stages) {
      for (const copy of copiesOf(candidate)) {
        if (copy.from !== undefined) expect(names, `COPY --from=${copy.from}`).toContain(copy.from);
        else for (const source of copy.sources) {
          expect(exists(source), `COPY ${source}`).toBe(true);
          expect(ignored(source), `COPY ${source} is excluded by .dockerignore`).toBe(false);
        }
      }
    }
  });
});

describe.each(APP_SERVICES)('Dockerfile target %s', (service) => {
  const chain = stageChain(dockerfile, service);

  it('exists and starts from the Node slim image', () => {
    expect(chain[0]?.name).toBe(service);
    expect(expandArgs(chain.at(-1)!.from, dockerfile)).toMatch(/^node:\d+-slim$/);
  });

  it('runs as a numeric non-root user (Kubernetes can verify runAsNonRoot only for a numeric uid)', () => {
    // chain is target first; the USER in effect is the last one from the root stage down.
    const users = [...chain].reverse().flatMap((candidate) => candidate.instructions.filter((instruction) => instruction.keyword === 'USER'));
    expect(users.at(-1)?.args.split(':')[0]).toMatch(/^[1-9]\d*$/);
  });

  it('checks /healthz with node, without curl', () => {
    const healthcheck = chain.flatMap((candidate) => candidate.instructions).find((instruction) => instruction.keyword === 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    expect(healthcheck!.args).toContain('"node", "-e"');
    expect(healthcheck!.args).toContain('/healthz');
    expect(healthcheck!.args).not.toMatch(/curl|wget/);
  });

  it('gets its application in one COPY, last (on vfs every later instruction would copy it again), after conf/', () => {
    const copies = copiesOf(chain[0]!);
    expect(chain[0]!.instructions.at(-1)!.keyword).toBe('COPY');
    if (service === 'web') expect(copies.map((copy) => copy.from)).toEqual(['build', 'build']);
    else expect(copies).toEqual([
      { from: undefined, sources: ['conf'], destination: 'conf' },
      { from: 'build', sources: [`/deps/${service}`], destination: './' },
    ]);
  });
});

describe.each(NODE_SERVICES)('Dockerfile target %s: contents', (service) => {
  const workspaces = tsconfigClosure(`services/${service}`);

  it(`installs production dependencies of exactly the service and the packages its tsconfig references (${workspaces.join(', ')})`, () => {
    const install = productionInstalls().get(service);
    expect(install).toBeDefined();
    expect([...install!.workspaces].sort()).toEqual(workspaces);
    // Only the pool runs install scripts (sqlite3 under its preset MCP servers).
    expect(install!.flag).toBe(service === 'mcp-pool' ? '--foreground-scripts' : '--ignore-scripts');
  });

  it('keeps dev dependencies out of the runtime', () => {
    const install = runsOf(build).find((command) => command.includes('production() {'))!;
    expect(install).toMatch(/npm ci --omit=dev [^;]*--include-workspace-root=false/);
  });

  it('ships every referenced package’s dist, its lua/ folder and the other folders it lists in `files` (e.g. packages/turns/lua)', () => {
    const { folders } = assembledFolders();
    expect(folders).toContain('dist');
    for (const workspace of workspaces) {
      const manifest = JSON.parse(readText(`${workspace}/package.json`)) as { files?: string[] };
      for (const entry of manifest.files ?? []) expect(folders, `${workspace}/${entry} is not copied into the runtime`).toContain(entry);
      if (exists(`${workspace}/lua`)) expect(folders, `${workspace}/lua`).toContain('lua');
    }
  });

  it('starts the compiled entry file with conf/ beside it, and the V8 flags the tests and benchmarks run it with', () => {
    const cmd = stageChain(dockerfile, service).flatMap((candidate) => candidate.instructions).find((instruction) => instruction.keyword === 'CMD')!;
    expect(JSON.parse(cmd.args)).toEqual(['node', ...(SERVICE_NODE_ARGS[service] ?? []), `services/${service}/dist/main.js`]);
    expect(exists(`services/${service}/src/main.ts`)).toBe(true);
    expect(copiesOf(stage(service))).toContainEqual({ from: undefined, sources: ['conf'], destination: 'conf' });
  });
});


describe('Dockerfile target mcp-pool: what MCP servers need', () => {
  const chain = stageChain(dockerfile, 'mcp-pool');
  const runtime = chain.flatMap((candidate) => candidate.instructions);
  const env = runtime.filter((instruction) => instruction.keyword === 'ENV').map((instruction) => instruction.args).join(' ');
  const poolPackage = JSON.parse(readText('services/mcp-pool/package.json')) as { dependencies: Record<string, string> };

  /** Executables the image puts on PATH: node/npx and the bins of the pool's dependencies. */
  const binsOfDependencies = Object.keys(poolPackage.dependencies).flatMap((name) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    if (typeof manifest.bin === 'string') return [name.replace(/^@[^/]+\//, '')];
    return Object.keys(manifest.bin ?? {});
  });

  it('has the preset MCP servers as dependencies of services/mcp-pool, on PATH', () => {
    for (const name of ['@modelcontextprotocol/server-filesystem', '@modelcontextprotocol/server-sequential-thinking', '@modelcontextprotocol/server-everything']) {
      expect(poolPackage.dependencies, name).toHaveProperty([name]);
    }
    expect(env).toMatch(/PATH=[^ ]*\/app\/node_modules\/\.bin/);
  });

  const config = JSON.parse(readText('conf/config.json')) as Record<string, Record<string, { command?: string; args?: string[] }>>;
  const stdioServers = [config.mcpServers, config.userServerCatalog].flatMap((servers) => Object.values(servers ?? {}).filter((server) => server.command));

  it('can run every stdio command conf/config.json names', () => {
    expect(stdioServers.length).toBeGreaterThan(0);
    const available = new Set(['node', 'npx', 'npm', ...binsOfDependencies]);
    expect(stdioServers.map((server) => server.command!).filter((command) => !available.has(command))).toEqual([]);
  });

  it('ships the repository scripts conf/config.json runs with node', () => {
    const shipped = productionInstalls().get('mcp-pool')!.workspaces.flatMap((workspace) => assembledFolders().folders.map((folder) => `${workspace}/${folder}`));
    const scripts = stdioServers.filter((server) => server.command === 'node' && server.args?.[0] && !server.args[0].startsWith('-')).map((server) => server.args![0]!);
    for (const script of scripts) {
      expect(exists(script), script).toBe(true);
      expect(shipped.some((source) => script === source || script.startsWith(`${source}/`)), `${script} is not copied into the pool image`).toBe(true);
    }
  });

  it('reaps orphaned processes with tini and prepares the workspaces folder for the non-root user (a new volume inherits its owner)', () => {
    expect(runtime.find((instruction) => instruction.keyword === 'ENTRYPOINT')?.args).toBe('["/usr/bin/tini", "--"]');
    expect(runsOf(chain[0]!).join(' ')).toMatch(/mkdir -p \/app\/data\/workspaces && chown -R 1000:1000 \/app\/data/);
  });

  it('offers python3 with uv/uvx as the last target, so no other target pulls the uv image', () => {
    const python = stageChain(dockerfile, 'mcp-pool-python');
    expect(python.map((candidate) => candidate.name).slice(0, 2)).toEqual(['mcp-pool-python', 'mcp-pool']);
    expect(runsOf(python[0]!).join(' ')).toContain('python3');
    expect(copiesOf(python[0]!)).toContainEqual({ from: 'uv', sources: ['/uv', '/uvx'], destination: '/usr/local/bin/' });
    expect(dockerfile.stages.at(-1)!.name).toBe('mcp-pool-python');
    expect(dockerfile.stages.at(-2)!.name).toBe('uv');
    const users = python[0]!.instructions.filter((instruction) => instruction.keyword === 'USER');
    expect(users.at(-1)?.args).toBe('1000:1000');
  });
});

describe('Dockerfile target web', () => {
  const runtime = stage('web');

  it('serves the Vite build (without source maps) with server.mjs', () => {
    expect(copiesOf(runtime)).toContainEqual({ from: 'build', sources: ['/app/services/web/dist'], destination: 'services/web/dist' });
    expect(copiesOf(runtime)).toContainEqual({ from: 'build', sources: ['/app/services/web/server.mjs', '/app/services/web/package.json'], destination: 'services/web/' });
    const cmd = runtime.instructions.find((instruction) => instruction.keyword === 'CMD')!;
    expect(JSON.parse(cmd.args)).toEqual(['node', 'services/web/server.mjs']);
  });

  it('needs no node_modules at run time: server.mjs imports only Node built-ins', () => {
    expect(copiesOf(runtime).some((copy) => copy.sources.some((source) => source.includes('node_modules') || source.startsWith('/deps')))).toBe(false);
    const source = readText('services/web/server.mjs');
    const specifiers = [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1] ?? match[2]!);
    expect(specifiers.filter((specifier) => !specifier.startsWith('node:'))).toEqual([]);
  });
});
