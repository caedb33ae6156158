import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTurnKeys } from './turn-keys.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Production sources outside packages/turns: tests and test helpers may read stored turn data, production code may not. */
function productionSources(): string[] {
  const roots = [
    ...readdirSync(join(repoRoot, 'services')).map((name) => join('services', name, 'src')),
    ...readdirSync(join(repoRoot, 'packages'))
      .filter((name) => name !== 'turns' && name !== 'test-support')
      .map((name) => join('packages', name, 'src')),
  ];
  const files: string[] = [];
  const walk = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(join(repoRoot, folder), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testing' && entry.name !== 'node_modules') walk(path);
      } else if (/\.(ts|tsx|mts|mjs|js)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  roots.forEach(walk);
  return files;
}

/** A turn key builder called, the builder itself, or a turn key's literal text. */
const TURN_KEY_USE = new RegExp(
  [
    `\\.(${Object.keys(createTurnKeys('')).join('|')})\\(`,
    '\\bcreateTurnKeys\\b',
    String.raw`turn:\{`,
    String.raw`['\`]turn-cancel`,
    ':active-turns',
    String.raw`:rate:\$\{`,
  ].join('|'),
);

describe('turn keys stay inside packages/turns', () => {
  it('finds the sources it checks (the services and the other packages)', () => {
    const files = productionSources();
    expect(files).toContain(join('services', 'gateway', 'src', 'gateway-app.ts'));
    expect(files).toContain(join('packages', 'voice', 'src', 'index.ts'));
  });

  it('no service or other package builds or names a turn key: they use TurnProducer, TurnConsumer and TurnEvents', () => {
    const offenders = productionSources().flatMap((file) =>
      readFileSync(join(repoRoot, file), 'utf8')
        .split('\n')
        .flatMap((line, index) => (TURN_KEY_USE.test(line) ? [`${relative('.', file)}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });

  it('would catch a service calling a turn key builder or spelling a turn key', () => {
    for (const line of ['await redis.lrange(keys.turnLog(turnId), 0, -1);', "const key = `${prefix}turn:{${turnId}}:seq`;", 'redis.publish(k.cancelChannel(), id)', 'createTurnKeys(prefix)']) {
      expect(TURN_KEY_USE.test(line), line).toBe(true);
    }
  });
});
