import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisKeys, DEVELOPMENT_INTERNAL_API_KEY } from '@bedrock-mcp/common';
import { freePort, startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConf, testPoolEnv } from './testing/pool-harness.js';
import { startPoolProcess, type PoolProcess } from './testing/pool-process.js';
import { descendantsOf, isAlive, membersOfGroup, waitFor } from './testing/processes.js';

let redis: TestRedis;
let dir: string;
let pool: PoolProcess | undefined;
beforeAll(async () => {
  redis = await startTestRedis('pool-sigterm');
  dir = mkdtempSync(join(tmpdir(), 'mcp-pool-sigterm-'));
});
afterAll(async () => {
  await pool?.kill();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mcp-pool process shutdown', () => {
  it('on SIGTERM closes every client, kills every process group (stubborn ones included) and exits in time', async () => {
    const env = testPoolEnv(redis, dir, testConf(), { POOL_REPLICA_ID: 'sigterm-replica', SHUTDOWN_TIMEOUT_S: '10' });
    pool = await startPoolProcess(env, await freePort());
    const { client } = pool;
    for (const userId of ['u1', 'u2']) {
      await client.callTool(userId, { serverId: 'everything', toolName: 'echo', arguments: { message: 'hi' } });
      await client.callTool(userId, { serverId: 'fs', toolName: 'list_allowed_directories', arguments: {} });
    }
    await client.callTool('u1', { serverId: 'stubborn', toolName: 'pids', arguments: {} });
    // A call still running when SIGTERM arrives must not hold the shutdown up.
    const inFlight = client.callTool('u2', { serverId: 'stubborn', toolName: 'sleep', arguments: { ms: 30_000 } }).catch((error: unknown) => error);
    await waitFor(async () => (await client.listServers('u2')).some((status) => status.serverId === 'stubborn' && status.state === 'ready'), 10_000, 'stubborn started for u2');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const serverPids = (await Promise.all(['u1', 'u2'].map((userId) => client.listServers(userId)))).flat().flatMap((status) => (status.pid ? [status.pid] : []));
    expect(serverPids).toHaveLength(6);
    const tree = descendantsOf(pool.pid);
    expect(tree).toEqual(expect.arrayContaining(serverPids));
    // The stubborn server's grandchild is in the tree too (its pid inside a sandbox is the sandbox's own).
    const stubbornPid = (await client.listServers('u1')).find((status) => status.serverId === 'stubborn')!.pid!;
    expect(descendantsOf(stubbornPid).length).toBeGreaterThanOrEqual(1);
    const keys = createRedisKeys(redis.prefix);
    expect(await redis.client.get(keys.poolOwner('u1'))).toBe('sigterm-replica');

    const begin = Date.now();
    pool.child.kill('SIGTERM');
    expect(await pool.exited).toBe(0);
    expect(Date.now() - begin).toBeLessThan(10_000);
    expect(await inFlight).toBeInstanceOf(Error);

    for (const pid of [...tree, pool.pid]) expect(isAlive(pid), `pid ${pid} survived`).toBe(false);
    for (const pgid of serverPids) expect(membersOfGroup(pgid).filter(isAlive)).toEqual([]);
    // Ownership and heartbeat are released, so another replica takes these users at once.
    expect(await redis.client.get(keys.poolOwner('u1'))).toBeNull();
    expect(await redis.client.get(keys.poolReplica('sigterm-replica'))).toBeNull();
  });
});

describe('mcp-pool start-up without INTERNAL_API_KEY', () => {
  it.each(['production', 'development'])('refuses to start (NODE_ENV=%s), naming the setting', async (nodeEnv) => {
    const { INTERNAL_API_KEY: _omitted, ...env } = testPoolEnv(redis, dir, testConf(), { NODE_ENV: nodeEnv, POOL_REPLICA_ID: `no-key-${nodeEnv}` });
    const failure = await startPoolProcess(env, await freePort()).then(
      (started) => {
        pool = started;
        return undefined;
      },
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toContain('mcp-pool exited during start-up');
    expect(failure?.message).toContain('mcp-pool: INTERNAL_API_KEY is required');
  });

  it('refuses the public development key in production', async () => {
    const env = testPoolEnv(redis, dir, testConf(), { NODE_ENV: 'production', POOL_REPLICA_ID: 'dev-key-in-production', INTERNAL_API_KEY: DEVELOPMENT_INTERNAL_API_KEY });
    const failure = await startPoolProcess(env, await freePort()).catch((error: unknown) => error as Error);
    expect((failure as Error).message).toContain('INTERNAL_API_KEY is the public development key');
  });
});
