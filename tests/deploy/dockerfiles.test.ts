import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copiesOf, createDockerignoreMatcher, expandArgs, finalStageChain, runsOf, workspacesOf, type Dockerfile } from '../../deploy/scripts/dockerfile.js';
import { APP_SERVICES, exists, readDockerfile, readText, repoRoot, tsconfigClosure } from './deploy-files.js';

// No Docker engine here: the Dockerfiles are parsed and checked against the repository they build.

const ignored = createDockerignoreMatcher(readText('.dockerignore'));
const NODE_SERVICES = ['gateway', 'agent-worker', 'mcp-pool'] as const;

describe('.dockerignore', () => {
  it('keeps secrets, dependencies and build output out of the build context', () => {
    for (const path of ['.env', '.env.local', 'conf/credential.csv', 'node_modules', 'services/gateway/node_modules/x', 'packages/common/dist/index.js', '.git', 'data/workspaces/u1']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['package.json', 'package-lock.json', 'conf/config.json', 'packages/common/src/index.ts', 'services/web/server.mjs']) {
      expect(ignored(path), path).toBe(false);
    }
  });
});

describe.each(APP_SERVICES)('services/%s/Dockerfile', (service) => {
  const path = `services/${service}/Dockerfile`;
  const dockerfile = readDockerfile(path);
  const chain = finalStageChain(dockerfile);

  it('builds on a current LTS Node slim image (22 or newer; the code itself targets Node 20)', () => {
    expect(Number(dockerfile.globalArgs.get('NODE_VERSION'))).toBeGreaterThanOrEqual(22);
    const stageNames = new Set(dockerfile.stages.map((stage) => stage.name));
    for (const stage of dockerfile.stages) {
      const base = expandArgs(stage.from, dockerfile);
      if (stageNames.has(base)) continue;
      if (stage.name === 'uv') continue; // COPY source for uv/uvx only
      expect(stage.from, `${path}: FROM ${stage.from}`).toBe('node:${NODE_VERSION}-slim');
    }
    expect(expandArgs(chain.at(-1)!.from, dockerfile)).toMatch(/^node:\d+-slim$/);
  });

  it('copies from the build context only paths that exist and are not ignored', () => {
    for (const stage of dockerfile.stages) {
      for (const copy of copiesOf(stage).filter((instruction) => instruction.from === undefined)) {
        for (const source of copy.sources) {
          expect(exists(source), `${path}: COPY ${source}`).toBe(true);
          expect(ignored(source), `${path}: COPY ${source} is excluded by .dockerignore`).toBe(false);
        }
      }
    }
  });

  it('copies from stages that exist', () => {
    const names = dockerfile.stages.map((stage) => stage.name);
    for (const stage of dockerfile.stages) {
      for (const copy of copiesOf(stage).filter((instruction) => instruction.from !== undefined)) {
        expect(names, `${path}: COPY --from=${copy.from}`).toContain(copy.from);
      }
    }
  });

  it('runs as a numeric non-root user (Kubernetes can verify runAsNonRoot only for a numeric uid)', () => {
    // chain is last stage first; the USER in effect is the last one from the root stage down.
    const users = [...chain].reverse().flatMap((stage) => stage.instructions.filter((instruction) => instruction.keyword === 'USER'));
    expect(users.at(-1)?.args.split(':')[0], `${path}: USER`).toMatch(/^[1-9]\d*$/);
  });

  it('checks /healthz with node, without curl', () => {
    const healthcheck = chain.flatMap((stage) => stage.instructions).find((instruction) => instruction.keyword === 'HEALTHCHECK');
    expect(healthcheck, `${path} has no HEALTHCHECK`).toBeDefined();
    expect(healthcheck!.args).toContain('"node", "-e"');
    expect(healthcheck!.args).toContain('/healthz');
    expect(healthcheck!.args).not.toMatch(/curl|wget/);
  });
});

describe.each(NODE_SERVICES)('services/%s image contents', (service) => {
  const path = `services/${service}/Dockerfile`;
  const dockerfile = readDockerfile(path);
  const workspaces = tsconfigClosure(`services/${service}`);
  const build = dockerfile.stages.find((stage) => stage.name === 'build')!;
  const deps = dockerfile.stages.find((stage) => stage.name === 'deps')!;
  const runtimeCopies = finalStageChain(dockerfile).flatMap(copiesOf);

  it(`installs exactly the service and the packages its tsconfig references (${workspaces.join(', ')})`, () => {
    for (const stage of [build, deps]) {
      const install = runsOf(stage).find((command) => command.includes('npm ci'));
      expect(install, `${path} ${stage.name}: npm ci`).toBeDefined();
      expect(workspacesOf(install!).sort(), `${path} ${stage.name}`).toEqual(workspaces);
      const manifests = copiesOf(stage).flatMap((copy) => copy.sources);
      for (const workspace of workspaces) expect(manifests, `${path} ${stage.name}`).toContain(`${workspace}/package.json`);
      expect(manifests).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    }
  });

  it('keeps dev dependencies out of the runtime', () => {
    const install = runsOf(deps).find((command) => command.includes('npm ci'))!;
    expect(install).toContain('--omit=dev');
    expect(install).toContain('--include-workspace-root=false');
    expect(runtimeCopies.filter((copy) => copy.from === 'deps').map((copy) => copy.sources)).toEqual([['/app']]);
    expect(runtimeCopies.filter((copy) => copy.from === 'build').every((copy) => copy.sources.every((source) => source.endsWith('/dist')))).toBe(true);
  });

  it('compiles with tsc -b and ships every referenced package’s dist', () => {
    expect(runsOf(build)).toContain(`npx tsc -b services/${service}`);
    const shipped = runtimeCopies.filter((copy) => copy.from === 'build').flatMap((copy) => copy.sources);
    expect(shipped.sort()).toEqual(workspaces.map((workspace) => `/app/${workspace}/dist`).sort());
  });

  it('ships the non-TypeScript files each referenced package lists in `files` (e.g. packages/turns/lua) beside its dist', () => {
    const shippedFromContext = runtimeCopies.filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
    for (const workspace of workspaces) {
      const manifest = JSON.parse(readText(`${workspace}/package.json`)) as { files?: string[] };
      for (const entry of (manifest.files ?? []).filter((file) => file !== 'dist')) {
        expect(shippedFromContext, `${path}: ${workspace}/${entry} is not copied into the runtime`).toContain(`${workspace}/${entry}`);
      }
    }
  });

  it('ships the Lua scripts (lua/ folders) of the service and the packages it references', () => {
    const luaFolders = workspaces.filter((workspace) => exists(`${workspace}/lua`)).map((workspace) => `${workspace}/lua`);
    for (const folder of luaFolders) expect(runtimeCopies, `${path}: COPY ${folder}`).toContainEqual({ from: undefined, sources: [folder], destination: folder });
  });

  it('starts the compiled entry file with conf/ beside it', () => {
    const cmd = finalStageChain(dockerfile).flatMap((stage) => stage.instructions).find((instruction) => instruction.keyword === 'CMD')!;
    expect(JSON.parse(cmd.args)).toEqual(['node', `services/${service}/dist/main.js`]);
    expect(exists(`services/${service}/src/main.ts`)).toBe(true);
    expect(runtimeCopies).toContainEqual({ from: undefined, sources: ['conf'], destination: 'conf' });
  });
});

describe('services/mcp-pool image: what MCP servers need', () => {
  const dockerfile = readDockerfile('services/mcp-pool/Dockerfile');
  const runtime = finalStageChain(dockerfile).flatMap((stage) => stage.instructions);
  const env = runtime.filter((instruction) => instruction.keyword === 'ENV').map((instruction) => instruction.args).join(' ');
  const poolPackage = JSON.parse(readText('services/mcp-pool/package.json')) as { dependencies: Record<string, string> };

  /** Executables the image puts on PATH: node/npx, the bins of the pool's dependencies, uv/uvx with WITH_PYTHON. */
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
    const shipped = finalStageChain(dockerfile).flatMap(copiesOf).filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
    const scripts = stdioServers.filter((server) => server.command === 'node' && server.args?.[0] && !server.args[0].startsWith('-')).map((server) => server.args![0]!);
    for (const script of scripts) {
      expect(exists(script), script).toBe(true);
      expect(shipped.some((source) => script === source || script.startsWith(`${source}/`)), `${script} is not copied into the pool image`).toBe(true);
    }
  });

  it('offers python3 with uv/uvx as a build option, and reaps orphaned processes with tini', () => {
    expect(dockerfile.globalArgs.get('WITH_PYTHON')).toBe('false');
    const python = dockerfile.stages.find((stage) => stage.name === 'runtime-python-true')!;
    expect(runsOf(python).join(' ')).toContain('python3');
    expect(copiesOf(python)).toContainEqual({ from: 'uv', sources: ['/uv', '/uvx'], destination: '/usr/local/bin/' });
    expect(dockerfile.stages.at(-1)!.from).toBe('runtime-python-${WITH_PYTHON}');
    expect(runtime.find((instruction) => instruction.keyword === 'ENTRYPOINT')?.args).toBe('["/usr/bin/tini", "--"]');
  });

  it('prepares the workspaces folder for the non-root user (a new volume inherits its owner)', () => {
    expect(runsOf(finalStageChain(dockerfile).at(-1)!).join(' ')).toMatch(/mkdir -p \/app\/data\/workspaces && chown -R 1000:1000/);
  });
});

describe('services/web image', () => {
  const dockerfile: Dockerfile = readDockerfile('services/web/Dockerfile');
  const build = dockerfile.stages.find((stage) => stage.name === 'build')!;
  const runtime = finalStageChain(dockerfile)[0]!;

  it('builds the Vite app and serves it with server.mjs', () => {
    expect(runsOf(build)).toContain('npm run build -w services/web');
    expect(copiesOf(runtime)).toContainEqual({ from: 'build', sources: ['/app/services/web/dist'], destination: 'services/web/dist' });
    const cmd = runtime.instructions.find((instruction) => instruction.keyword === 'CMD')!;
    expect(JSON.parse(cmd.args)).toEqual(['node', 'services/web/server.mjs']);
  });

  it('needs no node_modules at run time: server.mjs imports only Node built-ins', () => {
    expect(copiesOf(runtime).some((copy) => copy.sources.some((source) => source.includes('node_modules')))).toBe(false);
    const source = readText('services/web/server.mjs');
    const specifiers = [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1] ?? match[2]!);
    expect(specifiers.filter((specifier) => !specifier.startsWith('node:'))).toEqual([]);
  });
});
