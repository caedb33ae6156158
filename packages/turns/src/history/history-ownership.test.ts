import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Production TypeScript under `dir` (tests and test helpers left out). */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((path) => !path.includes('/testing/') && !path.includes('/dist/') && !path.includes('node_modules'));
}

describe('the history has one owner', () => {
  it('no code outside packages/turns/src/history builds a history key or runs a history script', () => {
    const files = ['packages', 'services'].flatMap(sources).filter((path) => !path.startsWith('packages/turns/src/history/'));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((path) => /:history(-lock|-epoch)?`|createHistoryKeys\(|user-history|userHistory/.test(readFileSync(join(root, path), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
