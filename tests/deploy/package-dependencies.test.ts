import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './deploy-files.js';
import { isTestOrTooling, workspaceImports, type ModuleImport } from './workspace-imports.js';

// Each workspace's package.json says what it really uses: a package its code imports is in
// `dependencies` (its tests' imports may be in `devDependencies` or the root's tooling), and
// nothing is listed that nothing imports. Node built-ins need no entry. A package imported only
// for its types may be a devDependency (it is needed to compile, not to run); `@types/x` goes
// with `x`.

interface PackageJson {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readPackage = (dir: string) => JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as PackageJson;
const root = readPackage('.');
const workspaces = root.workspaces ?? [];
const rootTooling = new Set(Object.keys(root.devDependencies ?? {}));

/** Dependencies used without an import, and how: each must still be used that way. */
const USED_WITHOUT_IMPORT: Record<string, Record<string, (workspace: string) => boolean>> = {
  // Preset MCP servers the pool starts as child processes: conf/config.json names their commands.
  'services/mcp-pool': Object.fromEntries(
    ['filesystem', 'sequential-thinking', 'everything'].map((server) => [
      `@modelcontextprotocol/server-${server}`,
      () => readFileSync(join(repoRoot, 'conf/config.json'), 'utf8').includes(`"command": "mcp-server-${server}"`),
    ]),
  ),
};

/** devDependencies that tooling names in its configuration rather than importing (vitest's `environment: 'jsdom'`). */
function namedInConfig(workspace: string, name: string): boolean {
  return ['vitest.config.ts', 'vite.config.ts'].some((file) => {
    try {
      return readFileSync(join(repoRoot, workspace, file), 'utf8').includes(`'${name}'`);
    } catch {
      return false;
    }
  });
}

const byWorkspace = new Map(workspaces.map((workspace) => [workspace, workspaceImports(join(repoRoot, workspace)).filter((entry) => entry.packageName !== readPackage(workspace).name)]));
/** Whole workspaces of tests (tests/e2e): every file is a test file. */
const isTestFile = (workspace: string, entry: ModuleImport) => workspace.startsWith('tests/') || isTestOrTooling(entry.file);
const names = (entries: ModuleImport[]) => [...new Set(entries.map((entry) => entry.packageName))].sort();

describe('package.json dependencies match the imports', () => {
  it('finds every workspace', () => {
    expect(workspaces.length).toBeGreaterThanOrEqual(10);
  });

  it.each(workspaces)('%s: every package its code imports is a dependency', (workspace) => {
    const pkg = readPackage(workspace);
    const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
    const devDependencies = new Set(Object.keys(pkg.devDependencies ?? {}));
    const production = byWorkspace.get(workspace)!.filter((entry) => !isTestFile(workspace, entry));
    const missing = names(production).filter((name) => {
      if (dependencies.has(name)) return false;
      const typeOnly = production.every((entry) => entry.packageName !== name || entry.typeOnly);
      return !(typeOnly && (devDependencies.has(name) || devDependencies.has(`@types/${name}`)));
    });
    expect(missing, `${workspace}: add to dependencies`).toEqual([]);
  });

  it.each(workspaces)("%s: every package its tests import is a dependency, a devDependency or the root's tooling", (workspace) => {
    const pkg = readPackage(workspace);
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {}), ...rootTooling]);
    const tests = byWorkspace.get(workspace)!.filter((entry) => isTestFile(workspace, entry));
    expect(names(tests).filter((name) => !declared.has(name)), `${workspace}: add to devDependencies`).toEqual([]);
  });

  it.each(workspaces)('%s: every dependency is used', (workspace) => {
    const pkg = readPackage(workspace);
    const imports = byWorkspace.get(workspace)!;
    const production = new Set(names(imports.filter((entry) => !isTestFile(workspace, entry))));
    const all = new Set(names(imports));
    const usedOtherwise = USED_WITHOUT_IMPORT[workspace] ?? {};
    const unusedDependencies = Object.keys(pkg.dependencies ?? {}).filter((name) => !production.has(name) && !usedOtherwise[name]?.(workspace));
    expect(unusedDependencies, `${workspace}: remove from dependencies (or, used only by tests, move to devDependencies)`).toEqual([]);
    const unusedDevDependencies = Object.keys(pkg.devDependencies ?? {}).filter(
      (name) => !all.has(name) && !(name.startsWith('@types/') && all.has(name.slice('@types/'.length))) && !namedInConfig(workspace, name),
    );
    expect(unusedDevDependencies, `${workspace}: remove from devDependencies`).toEqual([]);
    for (const [name, used] of Object.entries(usedOtherwise)) expect(used(workspace), `${workspace}: ${name} is no longer used`).toBe(true);
  });

  // The layers, bottom up: a workspace's platform dependencies sit on lower layers only, so the
  // arrows between packages point one way (no cycle, no package that reaches up into a service).
  const LAYERS: Record<string, number> = {
    '@bedrock-mcp/contracts': 0,
    '@bedrock-mcp/common': 1,
    '@bedrock-mcp/test-support': 1,
    '@bedrock-mcp/pool-client': 1,
    '@bedrock-mcp/config-store': 2,
    '@bedrock-mcp/turns': 2,
    '@bedrock-mcp/voice': 3,
    '@bedrock-mcp/gateway': 4,
    '@bedrock-mcp/agent-worker': 4,
    '@bedrock-mcp/mcp-pool': 4,
    '@bedrock-mcp/web': 4,
    '@bedrock-mcp/e2e': 5,
  };

  it.each(workspaces)('%s: depends only on platform packages of lower layers', (workspace) => {
    const pkg = readPackage(workspace);
    const layer = LAYERS[pkg.name];
    expect(layer, `${pkg.name}: give it a layer in LAYERS`).toBeDefined();
    const platform = Object.keys(pkg.dependencies ?? {}).filter((name) => name.startsWith('@bedrock-mcp/'));
    expect(platform.filter((name) => !(LAYERS[name]! < layer!)), `${pkg.name} (layer ${layer}) reaches up or sideways to`).toEqual([]);
  });
});
