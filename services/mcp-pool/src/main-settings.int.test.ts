import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConf, testPoolEnv } from './testing/pool-harness.js';
import { startPoolProcess, type PoolProcess } from './testing/pool-process.js';

let redis: TestRedis;
let dir: string;
let pool: PoolProcess | undefined;
beforeAll(async () => {
  redis = await startTestRedis('pool-settings');
  dir = mkdtempSync(join(tmpdir(), 'mcp-pool-settings-'));
});
afterAll(async () => {
  await pool?.kill();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the mcp-pool process parses only its own settings', () => {
  it("starts although other services' settings are invalid, and warns once when an old name differs from its new one", async () => {
    const env = testPoolEnv(redis, dir, testConf(), {
      // The gateway's and the worker's, invalid: not the pool's concern.
      AUTH_MODE: 'bogus',
      WORKER_CONCURRENCY: 'many',
      VOICE_TOP_P: '7',
      INACTIVE_TIME: '3',
      MCP_IDLE_MINUTES: '5',
      LOG_LEVEL: 'warn',
    });
    pool = await startPoolProcess(env, await freePort());
    const warnings = pool.output().split('\n').filter((line) => line.includes('INACTIVE_TIME (3) is the old name of MCP_IDLE_MINUTES (5)'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn', service: 'mcp-pool' });
  });

  it('still refuses an invalid setting of its own, naming it', async () => {
    const env = testPoolEnv(redis, dir, testConf(), { MCP_SANDBOX: 'docker' });
    await expect(startPoolProcess(env, await freePort())).rejects.toThrow(/environment variable MCP_SANDBOX/);
  });
});
