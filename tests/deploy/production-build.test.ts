import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './deploy-files.js';

// Test helpers (src/testing/**, *-test-fixtures.ts, test setup files) and tests stay out of the
// production build: no tsconfig that emits compiles them (so no image ships them), and no
// production file imports one (tests import them from source; vitest runs sources).

const WORKSPACE_DIRS = ['packages', 'services'].flatMap((parent) => readdirSync(join(repoRoot, parent)).map((name) => `${parent}/${name}`));

/** A test or a file only tests use. */
const isTestOnly = (path: string) => /(^|\/)testing\//.test(path) || /\.test\.[jt]sx?$/.test(path) || /-test-fixtures\.[jt]sx?$/.test(path) || /(^|\/)test-setup\.[jt]sx?$/.test(path);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The files a workspace's tsconfig compiles, as tsc sees them (include minus exclude). */
function compiledFiles(workspace: string): string[] {
  const configPath = join(repoRoot, workspace, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => { throw new Error(String(diagnostic.messageText)); } });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  return parsed.fileNames.map((file) => relative(join(repoRoot, workspace), file));
}

const emitting = WORKSPACE_DIRS.filter((workspace) => {
  const config = ts.readConfigFile(join(repoRoot, workspace, 'tsconfig.json'), ts.sys.readFile).config as { compilerOptions?: { noEmit?: boolean } } | undefined;
  return config !== undefined && config.compilerOptions?.noEmit !== true && workspace !== 'packages/test-support';
});

describe('test helpers leave the production build', () => {
  it('finds the workspaces', () => {
    expect(emitting).toEqual(expect.arrayContaining(['packages/common', 'services/gateway', 'services/agent-worker', 'services/mcp-pool']));
  });

  it.each(emitting)('%s compiles no test and no test helper', (workspace) => {
    const files = compiledFiles(workspace);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter(isTestOnly)).toEqual([]);
  });

  it.each(WORKSPACE_DIRS)('%s: no production file imports a test helper', (workspace) => {
    const src = join(repoRoot, workspace, 'src');
    const offenders = sourceFiles(src)
      .filter((file) => !isTestOnly(relative(src, file)))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)]
          .map((match) => relative(src, resolve(dirname(file), match[1]!)))
          .filter(isTestOnly)
          .map((target) => `${relative(src, file)} → ${target}`),
      );
    expect(offenders).toEqual([]);
  });
});
