import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, pidGone, waitFor } from '../testing/processes.js';
import { startTestPool, type TestPool } from '../testing/pool-harness.js';

// Two pools: one whose servers idle out fast (INACTIVE_TIME is in minutes: 0.01 min = 600 ms),
// one whose idle timer stays out of the way of the other lifecycle checks.
let fast: TestPool;
let steady: TestPool;
let pool: TestPool;
beforeAll(async () => {
  [fast, steady] = await Promise.all([
    startTestPool({ label: 'idle', env: { INACTIVE_TIME: '0.01' } }),
    startTestPool({ label: 'lifecycle', env: { INACTIVE_TIME: '10', POOL_MAX_SERVERS_PER_USER: '2', MCP_RESTART_BACKOFF_MS: '400' } }),
  ]);
});
afterAll(() => Promise.all([fast?.close(), steady?.close()]));

async function statusOf(userId: string, serverId: string) {
  const status = (await pool.client.listServers(userId)).find((server) => server.serverId === serverId);
  if (!status) throw new Error(`no status for ${serverId}`);
  return status;
}

describe('idle eviction (INACTIVE_TIME = 600 ms)', () => {
  beforeAll(() => {
    pool = fast;
  });

  it('evicts a server idle for INACTIVE_TIME by timer: its process is gone without any further request', async () => {
    const status = await pool.client.ensureServer('idler', 'everything');
    expect(status.state).toBe('ready');
    const pid = status.pid!;
    expect(isAlive(pid)).toBe(true);
    const begin = Date.now();
    await waitFor(() => pidGone(pid), 5000, 'idle server to be evicted');
    expect(Date.now() - begin).toBeGreaterThanOrEqual(400);
    expect(() => process.kill(pid, 0)).toThrow();
    expect((await statusOf('idler', 'everything')).state).toBe('stopped');
    expect(await pool.metric('mcp_pool_evictions_total', { reason: 'idle' })).toBeGreaterThanOrEqual(1);
  });

  it('never evicts a server with a call in flight', async () => {
    const spawnsBefore = await pool.metric('mcp_pool_spawns_total');
    // The first use starts the server, then keeps it busy for 1.5 s without progress: 2.5× the idle time.
    // An eviction under the call would stop the server and fail the call.
    const { result } = await pool.client.callTool('busy', { serverId: 'stubborn', toolName: 'sleep', arguments: { ms: 1500 } });
    expect(toolResultText(result)).toBe('slept 1500 ms');
    expect(await statusOf('busy', 'stubborn')).toMatchObject({ state: 'ready', restarts: 0 });
    expect((await pool.metric('mcp_pool_spawns_total')) - spawnsBefore).toBe(1);
  });
});

describe('server lifecycle (real processes)', () => {
  beforeAll(() => {
    pool = steady;
  });

  it('20 concurrent first calls share one start: exactly one spawn', async () => {
    const spawnsBefore = await pool.metric('mcp_pool_spawns_total');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool.client.callTool('crowd', { serverId: 'everything', toolName: 'echo', arguments: { message: `call ${i}` } })),
    );
    results.forEach(({ result }, i) => expect(toolResultText(result)).toContain(`call ${i}`));
    expect((await pool.metric('mcp_pool_spawns_total')) - spawnsBefore).toBe(1);
  });

  it('reports a killed server with its stderr tail and restarts it on the next call', async () => {
    const { pid } = await pool.client.ensureServer('crash', 'everything');
    const crashesBefore = await pool.metric('mcp_pool_crashes_total');
    process.kill(pid!, 'SIGKILL');
    const crashed = await waitFor(async () => {
      const status = await statusOf('crash', 'everything');
      return status.state === 'error' ? status : undefined;
    }, 3000, 'crash to be reported');
    expect(crashed.error).toMatch(/killed by SIGKILL/);
    expect(crashed.stderrTail?.join('\n')).toContain('Starting default (STDIO) server');
    expect((await pool.metric('mcp_pool_crashes_total')) - crashesBefore).toBe(1);

    const { result } = await pool.client.callTool('crash', { serverId: 'everything', toolName: 'echo', arguments: { message: 'back' } });
    expect(toolResultText(result)).toContain('back');
    const restarted = await statusOf('crash', 'everything');
    expect(restarted).toMatchObject({ state: 'ready', restarts: 1 });
    expect(restarted.pid).not.toBe(pid);
  });

  it('backs off restarts of a server that keeps failing', async () => {
    const spawns = () => pool.metric('mcp_pool_spawns_total', { transport: 'stdio' });
    const start = await spawns();
    await expect(pool.client.ensureServer('flaky', 'broken')).rejects.toMatchObject({ code: 'server_start_failed', status: 502 });
    // First failure: the next use retries at once.
    await expect(pool.client.ensureServer('flaky', 'broken')).rejects.toMatchObject({ code: 'server_start_failed' });
    expect((await spawns()) - start).toBe(2);
    // Second failure in a row: 400 ms back-off, during which nothing is spawned.
    await expect(pool.client.ensureServer('flaky', 'broken')).rejects.toThrow(/next start attempt in 1 s/);
    expect((await spawns()) - start).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 450));
    await expect(pool.client.ensureServer('flaky', 'broken')).rejects.toMatchObject({ code: 'server_start_failed' });
    expect((await spawns()) - start).toBe(3);
  });

  it('cancels the call at the server when the caller disconnects', async () => {
    await pool.client.ensureServer('quitter', 'stubborn');
    const abort = new AbortController();
    const call = pool.client.callTool('quitter', { serverId: 'stubborn', toolName: 'sleep', arguments: { ms: 5000 } }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 300);
    await expect(call).rejects.toThrow();
    const status = await waitFor(async () => {
      const current = await statusOf('quitter', 'stubborn');
      return current.stderrTail?.includes('stubborn: sleep cancelled') ? current : undefined;
    }, 3000, 'the server to see the cancellation');
    expect(status.state).toBe('ready');
  });

  it('fails a call that exceeds its timeout with code timeout', async () => {
    await expect(pool.client.callTool('slowpoke', { serverId: 'stubborn', toolName: 'sleep', arguments: { ms: 3000 }, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'timeout',
      status: 504,
    });
  });

  it('evicts the least recently used idle server when a user reaches the per-user cap', async () => {
    const first = await pool.client.ensureServer('capped', 'everything');
    const second = await pool.client.ensureServer('capped', 'fs');
    await pool.client.callTool('capped', { serverId: 'fs', toolName: 'list_allowed_directories', arguments: {} });
    const evictionsBefore = await pool.metric('mcp_pool_evictions_total', { reason: 'capacity' });
    const third = await pool.client.ensureServer('capped', 'stubborn');
    expect(third.state).toBe('ready');
    await waitFor(() => !isAlive(first.pid!), 3000, 'LRU server stopped');
    expect(isAlive(second.pid!)).toBe(true);
    expect((await pool.metric('mcp_pool_evictions_total', { reason: 'capacity' })) - evictionsBefore).toBe(1);
    const states = Object.fromEntries((await pool.client.listServers('capped')).map((server) => [server.serverId, server.state]));
    expect(states).toMatchObject({ everything: 'stopped', fs: 'ready', stubborn: 'ready' });
  });

  it("keeps users apart: each user has its own instance, and DELETE stops one user's without touching the other's", async () => {
    const alice = await pool.client.ensureServer('alice', 'everything');
    const bob = await pool.client.ensureServer('bob', 'everything');
    expect(alice.pid).not.toBe(bob.pid);
    // Alice's server stays busy (so its idle timer cannot stop it) while Bob stops his.
    const busy = pool.client.callTool('alice', { serverId: 'everything', toolName: 'trigger-long-running-operation', arguments: { duration: 1, steps: 2 } });
    const stopped = await pool.client.stopServer('bob', 'everything');
    expect(stopped.state).toBe('stopped');
    expect(isAlive(bob.pid!)).toBe(false);
    expect(isAlive(alice.pid!)).toBe(true);
    expect(toolResultText((await busy).result)).toContain('completed');
    expect(await statusOf('alice', 'everything')).toMatchObject({ state: 'ready', pid: alice.pid });
    await expect(pool.client.stopServer('bob', 'no-such-server')).rejects.toMatchObject({ code: 'server_not_found' });
  });

  it("restarts a user's server on next use when its config changed, and refuses what the policy forbids", async () => {
    const config = { transport: 'stdio' as const, command: 'mcp-server-everything', args: ['stdio'], env: { DEMO_API_KEY: 'first-key' }, enabled: true };
    await pool.store.put('frank', 'mine', config);
    const env1 = await pool.client.callTool('frank', { serverId: 'mine', toolName: 'get-env', arguments: {} });
    expect(toolResultText(env1.result)).toContain('first-key');
    const before = await statusOf('frank', 'mine');
    expect(before.scope).toBe('user');

    await new Promise((resolve) => setTimeout(resolve, 5));
    await pool.store.put('frank', 'mine', { ...config, env: { DEMO_API_KEY: 'second-key' } });
    const env2 = await pool.client.callTool('frank', { serverId: 'mine', toolName: 'get-env', arguments: {} });
    expect(toolResultText(env2.result)).toContain('second-key');
    const after = await statusOf('frank', 'mine');
    expect(after.pid).not.toBe(before.pid);
    await waitFor(() => !isAlive(before.pid!), 3000, 'old instance stopped');

    await pool.store.put('frank', 'shell', { transport: 'stdio', command: 'bash', args: ['-c', 'id'], env: {}, enabled: true });
    await expect(pool.client.ensureServer('frank', 'shell')).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    await pool.store.put('frank', 'mine', { ...config, env: { DEMO_API_KEY: 'k', NODE_OPTIONS: '--require /tmp/evil.js' } });
    await expect(pool.client.ensureServer('frank', 'mine')).rejects.toThrow(/NODE_OPTIONS/);
  });
});
