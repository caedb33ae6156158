#!/usr/bin/env node
// Runs every benchmark under bench/ (or those whose path contains an argument), one after the
// other: `npm run bench` or `npm run bench -- mcp-pool`. Builds first (tsc -b, incremental): the
// benchmarks run from source, the services they start from their build, as in production.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);

function* benchFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* benchFiles(path);
    else if (/-bench\.ts$/.test(entry.name)) yield relative(root, path);
  }
}

const files = [...benchFiles(join(root, 'bench'))].filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)));
if (files.length === 0) {
  console.error('no benchmark matched');
  process.exit(1);
}
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
