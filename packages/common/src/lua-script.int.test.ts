import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LuaScript } from './lua-script.js';

describe('LuaScript (a .lua file run by its SHA1)', () => {
  let dir: string;
  let redis: TestRedis;
  let script: LuaScript;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lua-script-'));
    writeFileSync(join(dir, 'add.lua'), "return redis.call('INCRBY', KEYS[1], ARGV[1])\n");
    script = LuaScript.load(pathToFileURL(`${dir}/`), 'add', 1);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    redis = await startTestRedis('lua-script');
  });
  afterEach(() => redis.close());

  it('runs on a server that never saw it (NOSCRIPT → EVAL), then by SHA', async () => {
    await redis.client.script('FLUSH');
    const key = `${redis.prefix}counter`;
    expect(await script.run(redis.client, [key], [2])).toBe(2);
    expect(await redis.client.script('EXISTS', script.sha)).toEqual([1]);
    expect(await script.run(redis.client, [key], [3])).toBe(5);
  });

  it('queues on a pipeline, and refuses a wrong number of keys before sending anything', async () => {
    const key = `${redis.prefix}piped`;
    const results = await script.queue(redis.client.pipeline(), [key], [7]).get(key).exec();
    expect(results).toEqual([[null, 7], [null, '7']]);
    await expect(script.run(redis.client, [], [1])).rejects.toThrow(/takes 1 keys, got 0/);
  });

  it('fails at load when the file is missing', () => {
    expect(() => LuaScript.load(pathToFileURL(`${dir}/`), 'missing', 0)).toThrow(/ENOENT/);
  });
});
