import { existsSync, readFileSync } from 'node:fs';
import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../testing/processes.js';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';
import { setUpServerCgroups } from './server-cgroups.js';

// Small limits so the test stays quick; the defaults (256 processes, 1024 MiB per server) leave
// sandboxed node servers (~15 tasks, ~50–100 MiB resident) the same margin.
const MAX_PROCESSES = 64;
const MAX_MEMORY_MB = 256;
const ALL_SERVERS_MAX_PROCESSES = 3000;
const conf = testConf({ escape: { command: 'node', args: [fixturePath('escape-server.mjs')] } });

// Where the pool can make cgroups (root here and in CI) each server gets its own; elsewhere the
// test says so instead of passing.
const probe = await setUpServerCgroups({ limits: { maxProcesses: 0, maxMemoryMb: 0 } });
const cgroupsUnavailable = 'unavailable' in probe ? probe.unavailable : undefined;
if (!('unavailable' in probe)) await probe.close();

type Outcome = { ok: boolean; [key: string]: unknown };
async function attempt(pool: TestPool, userId: string, toolName: string, args: Record<string, unknown> = {}): Promise<Outcome> {
  const { result } = await pool.client.callTool(userId, { serverId: 'escape', toolName, arguments: args });
  return JSON.parse(toolResultText(result)) as Outcome;
}

async function othersStillServed(pool: TestPool): Promise<void> {
  // Another user's server starts after the attack (while it still holds its processes) and answers; so does the reference server.
  expect(await attempt(pool, 'bystander', 'whoami')).toMatchObject({ ok: true });
  const { result } = await pool.client.callTool('bystander', { serverId: 'everything', toolName: 'echo', arguments: { message: 'still here' } });
  expect(toolResultText(result)).toContain('still here');
}

/** The soft limit of one row of /proc/self/limits as the server sees it ("unlimited" or a number). */
async function ownLimit(pool: TestPool, userId: string, row: string): Promise<string | undefined> {
  const { text } = (await attempt(pool, userId, 'read-file', { path: '/proc/self/limits' })) as unknown as { text: string };
  return text
    .split('\n')
    .find((line) => line.startsWith(row))
    ?.slice(row.length)
    .trim()
    .split(/\s+/)[0];
}

describe.skipIf(cgroupsUnavailable !== undefined)(`per-server cgroups${cgroupsUnavailable ? ` (unavailable here: ${cgroupsUnavailable})` : ''}`, () => {
  let pool: TestPool;
  beforeAll(async () => {
    pool = await startTestPool({
      label: 'sandbox-cgroups',
      conf,
      captureLogs: true,
      env: {
        MCP_SERVER_MAX_PROCESSES: String(MAX_PROCESSES),
        MCP_SERVER_MAX_MEMORY_MB: String(MAX_MEMORY_MB),
        MCP_ALL_SERVERS_MAX_PROCESSES: String(ALL_SERVERS_MAX_PROCESSES),
        // Only the cgroup may stop the memory hog.
        MCP_SERVER_MAX_ADDRESS_SPACE_MB: '0',
      },
    });
  });
  afterAll(() => pool?.close());

  it('says in the start-up log line that each server has its own cgroup, and sets no per-uid process limit', async () => {
    const listening = pool.logs.map((line) => JSON.parse(line) as { msg: string; serverLimits?: string }).find((line) => line.msg === 'mcp-pool listening');
    expect(listening?.serverLimits).toMatch(/^per server: cgroup v[12] \(pids, memory\)/);
    expect(await ownLimit(pool, 'alice', 'Max processes')).not.toBe(String(ALL_SERVERS_MAX_PROCESSES));
  });

  it("stops a fork bomb at the server's own MCP_SERVER_MAX_PROCESSES; another user's server started after it still starts and answers", async () => {
    const bomb = await attempt(pool, 'attacker', 'fork-bomb', { count: 500 });
    expect(bomb).toMatchObject({ ok: false, error: 'EAGAIN' });
    // Threads and the sandbox's own processes count too.
    expect(bomb.started).toBeLessThan(MAX_PROCESSES);
    await othersStillServed(pool);
  });

  it("stops a memory hog at MCP_SERVER_MAX_MEMORY_MB (the whole server's memory), and the pool and other users carry on", async () => {
    const outcome = await attempt(pool, 'hog', 'memory-hog', { mb: 1024 }).catch((error: Error) => ({ ok: false, error: error.message }));
    expect(outcome).toMatchObject({ ok: false });
    expect(String(outcome.error)).toMatch(/SIGKILL|code 137/);
    // The hog's own server answers again (restarted after the kernel killed it).
    expect(await attempt(pool, 'hog', 'whoami')).toMatchObject({ ok: true });
    await othersStillServed(pool);
  });

  it('removes every server cgroup and its own when the pool closes', async () => {
    const listening = pool.logs.map((line) => JSON.parse(line) as { msg: string; serverLimits?: string }).find((line) => line.msg === 'mcp-pool listening');
    const dirs = (listening?.serverLimits ?? '').replace(/^.* under /, '').split(', ');
    expect(dirs.every((dir) => existsSync(dir))).toBe(true);
    await pool.close();
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});

describe('without cgroups: RLIMIT_NPROC per sandbox and as a ceiling on all servers together', () => {
  let pool: TestPool;
  beforeAll(async () => {
    pool = await startTestPool({
      label: 'sandbox-rlimits',
      conf,
      serverCgroups: false,
      captureLogs: true,
      env: {
        MCP_SERVER_MAX_PROCESSES: String(MAX_PROCESSES),
        MCP_ALL_SERVERS_MAX_PROCESSES: String(ALL_SERVERS_MAX_PROCESSES),
        MCP_SERVER_MAX_ADDRESS_SPACE_MB: '1536',
      },
    });
  });
  afterAll(() => pool?.close());

  it('sets the ceiling on the sandbox, the per-server and per-process limits inside it, and says so in the log', async () => {
    const listening = pool.logs.map((line) => JSON.parse(line) as { msg: string; serverLimits?: string }).find((line) => line.msg === 'mcp-pool listening');
    expect(listening?.serverLimits).toMatch(/RLIMIT_NPROC 3000 for all servers together/);
    const perServer = listening?.serverLimits?.startsWith(`per server: RLIMIT_NPROC ${MAX_PROCESSES} in its user namespace`) ?? false;
    expect(await ownLimit(pool, 'alice', 'Max processes')).toBe(String(perServer ? MAX_PROCESSES : ALL_SERVERS_MAX_PROCESSES));
    expect(await ownLimit(pool, 'alice', 'Max address space')).toBe(String(1536 * 1024 * 1024));
    // The sandbox's first process (bwrap, outside the namespace) holds the ceiling its user namespace is made with.
    const sandboxPid = (await pool.client.listServers('alice')).find((status) => status.serverId === 'escape')?.pid;
    const limits = readFileSync(`/proc/${sandboxPid}/limits`, 'utf8');
    expect(limits).toMatch(new RegExp(`^Max processes +${ALL_SERVERS_MAX_PROCESSES} +${ALL_SERVERS_MAX_PROCESSES} `, 'm'));
  });

  it('stops a memory hog at MCP_SERVER_MAX_ADDRESS_SPACE_MB, and the pool and other users carry on', async () => {
    const outcome = await attempt(pool, 'hog', 'memory-hog', { mb: 8192 }).catch((error: Error) => ({ ok: false, error: error.message }));
    expect(outcome).toMatchObject({ ok: false });
    expect(await attempt(pool, 'hog', 'whoami')).toMatchObject({ ok: true });
    await othersStillServed(pool);
  });
});
