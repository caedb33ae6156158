import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisKeys } from '@bedrock-mcp/common';
import { toolResultText } from '@bedrock-mcp/contracts';
import type { ToolProgress } from '@bedrock-mcp/pool-client';
import { freePort, startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConf, testPoolEnv } from '../testing/pool-harness.js';
import { startPoolProcess, type PoolProcess } from '../testing/pool-process.js';
import { descendantsOf, isAlive, waitFor } from '../testing/processes.js';

let redis: TestRedis;
let dir: string;
let replicaA: PoolProcess;
let replicaB: PoolProcess;
const orphans: number[] = [];

beforeAll(async () => {
  redis = await startTestRedis('pool-replicas');
  dir = mkdtempSync(join(tmpdir(), 'mcp-pool-replicas-'));
  const env = (id: string) => testPoolEnv(redis, dir, testConf(), { POOL_REPLICA_ID: id, POOL_HEARTBEAT_MS: '200' });
  [replicaA, replicaB] = await Promise.all([startPoolProcess(env('replica-a'), await freePort()), startPoolProcess(env('replica-b'), await freePort())]);
});
afterAll(async () => {
  await Promise.all([replicaA?.kill(), replicaB?.kill()]);
  for (const pid of orphans) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two pool replicas sharing users', () => {
  const keys = () => createRedisKeys(redis.prefix);

  it('forwards a request for a user owned by another replica to that replica, NDJSON progress included', async () => {
    await replicaA.client.callTool('shared', { serverId: 'everything', toolName: 'echo', arguments: { message: 'via A' } });
    expect(await redis.client.get(keys().poolOwner('shared'))).toBe('replica-a');

    const progress: ToolProgress[] = [];
    const { result } = await replicaB.client.callTool(
      'shared',
      { serverId: 'everything', toolName: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 } },
      { onProgress: (update) => progress.push(update) },
    );
    expect(toolResultText(result)).toContain('completed');
    expect(progress.map((update) => update.progress)).toEqual([1, 2]);

    const viaA = (await replicaA.client.listServers('shared')).find((server) => server.serverId === 'everything')!;
    const viaB = (await replicaB.client.listServers('shared')).find((server) => server.serverId === 'everything')!;
    expect(viaB).toMatchObject({ state: 'ready', pid: viaA.pid });
    expect(descendantsOf(replicaA.pid)).toContain(viaA.pid);
    expect(descendantsOf(replicaB.pid)).toEqual([]);
    expect(await redis.client.get(keys().poolOwner('shared'))).toBe('replica-a');
  });

  it("forwards an elicitation of another replica's user both ways: the question to the caller, its answer to the owner", async () => {
    await replicaA.client.callTool('shared', { serverId: 'everything', toolName: 'echo', arguments: { message: 'via A' } });
    expect(await redis.client.get(keys().poolOwner('shared'))).toBe('replica-a');
    const { result } = await replicaB.client.callTool(
      'shared',
      { serverId: 'everything', toolName: 'trigger-elicitation-request', arguments: {} },
      { onElicitation: async () => ({ action: 'accept', content: { name: 'Across Replicas' } }) },
    );
    expect(toolResultText(result)).toContain('- Name: Across Replicas');
    expect(descendantsOf(replicaB.pid)).toEqual([]);
  });

  it('serves a user first seen by replica B on replica B, and A forwards to it', async () => {
    await replicaB.client.ensureServer('b-user', 'everything');
    expect(await redis.client.get(keys().poolOwner('b-user'))).toBe('replica-b');
    const { result } = await replicaA.client.callTool('b-user', { serverId: 'everything', toolName: 'get-sum', arguments: { a: 1, b: 2 } });
    expect(toolResultText(result)).toContain('3');
    const pid = (await replicaA.client.listServers('b-user')).find((server) => server.serverId === 'everything')!.pid!;
    expect(descendantsOf(replicaB.pid)).toContain(pid);
  });

  it('refuses a replica given another INTERNAL_API_KEY: its forwards reach nothing on the owner', async () => {
    const wrongKey = 'a-different-internal-key-for-this-replica-0123456789';
    const env = testPoolEnv(redis, dir, testConf(), { POOL_REPLICA_ID: 'replica-wrong-key', POOL_HEARTBEAT_MS: '200', INTERNAL_API_KEY: wrongKey });
    const stray = await startPoolProcess(env, await freePort());
    try {
      await replicaB.client.ensureServer('b-only', 'everything');
      expect(await redis.client.get(keys().poolOwner('b-only'))).toBe('replica-b');
      const before = await replicaB.client.listServers('b-only');

      // The stray replica's own callers hold its key; its forward to the owner is refused there.
      const failure = await stray.client.callTool('b-only', { serverId: 'everything', toolName: 'echo', arguments: { message: 'smuggled' } }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'internal', message: expect.stringContaining("refused this replica's internal credential") });
      await expect(stray.client.ensureServer('b-only', 'fs')).rejects.toMatchObject({ code: 'internal' });
      expect(stray.output()).toContain('refused our INTERNAL_API_KEY');

      // Nothing happened at the owner, which still serves its rightful callers.
      expect(await replicaB.client.listServers('b-only')).toEqual(before);
      expect((await replicaB.client.listServers('b-only')).find((server) => server.serverId === 'fs')?.state).toBe('stopped');
      expect(await redis.client.get(keys().poolOwner('b-only'))).toBe('replica-b');
      expect(descendantsOf(stray.pid)).toEqual([]);
    } finally {
      await stray.kill();
    }
  });

  it("takes a dead replica's users over on their next call", async () => {
    const oldPid = (await replicaA.client.listServers('shared')).find((server) => server.serverId === 'everything')!.pid!;
    orphans.push(oldPid);
    await replicaA.crash();

    const begin = Date.now();
    const { result } = await replicaB.client.callTool('shared', { serverId: 'everything', toolName: 'echo', arguments: { message: 'after the failover' } });
    expect(toolResultText(result)).toContain('after the failover');
    // Bounded by the dead replica's heartbeat expiry (3 × 200 ms) plus a start.
    expect(Date.now() - begin).toBeLessThan(5000);
    expect(await redis.client.get(keys().poolOwner('shared'))).toBe('replica-b');
    const newPid = (await replicaB.client.listServers('shared')).find((server) => server.serverId === 'everything')!.pid!;
    expect(newPid).not.toBe(oldPid);
    expect(descendantsOf(replicaB.pid)).toContain(newPid);
    // The dead replica's server saw its stdin close and exited on its own.
    await waitFor(() => !isAlive(oldPid), 3000, 'orphaned server to exit');
  });
});
