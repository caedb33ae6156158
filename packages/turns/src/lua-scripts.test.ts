import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { turnScript } from './lua-scripts.js';

const LUA_DIR = new URL('../lua/', import.meta.url);

describe('lua/*.lua', () => {
  const files = readdirSync(LUA_DIR).filter((name) => name.endsWith('.lua'));

  it('holds the turn scripts, each opening with a header that gives its KEYS and ARGV', () => {
    expect(files.sort()).toEqual([
      'admit-turn.lua',
      'answer-asks.lua',
      'append-events.lua',
      'history-append.lua',
      'history-lock-acquire.lua',
      'history-lock-release.lua',
      'history-lock-renew.lua',
      'history-save.lua',
      'release-turn.lua',
      'settle-asks.lua',
    ]);
    for (const file of files) {
      const header = readFileSync(new URL(file, LUA_DIR), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('--'))
        .join('\n');
      expect(header, file).toMatch(/KEYS\[1\]/);
      expect(header, file).toMatch(/ARGV\[1\]/);
    }
  });

  it('loads a script by name with its key count, and fails at once for a missing one', () => {
    const script = turnScript('admit-turn', 2);
    expect(script.source).toContain("redis.call('INCR', KEYS[2])");
    expect(script.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(() => turnScript('no-such-script', 1)).toThrow(/ENOENT/);
  });
});
