import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolResultText } from '@bedrock-mcp/contracts';
import { freePort, startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConf, testPoolEnv } from '../testing/pool-harness.js';
import { startPoolProcess, type PoolProcess } from '../testing/pool-process.js';
import { fixturePath } from '../testing/processes.js';

// The pool as the images run it: an unprivileged uid that cannot create cgroups, so the only
// process limits are RLIMIT_NPROC: a ceiling over every task of that uid, and inside each
// sandbox's user namespace one per server where the kernel counts per namespace (Linux 5.14+).
// Run as nobody (the test starts as root to switch to it; the pool is then nobody's only user).
const NOBODY = 65534;
const SERVER_MAX_PROCESSES = 120;
const ALL_SERVERS_MAX_PROCESSES = 200;
const isRoot = process.getuid?.() === 0;

let redis: TestRedis;
let dir: string;
let pool: PoolProcess | undefined;
beforeAll(async () => {
  if (!isRoot) return;
  redis = await startTestRedis('pool-unprivileged');
  dir = mkdtempSync(join(tmpdir(), 'mcp-pool-nobody-'));
  chmodSync(dir, 0o755);
  for (const owned of ['workspaces', 'home']) {
    mkdirSync(join(dir, owned));
    chownSync(join(dir, owned), NOBODY, NOBODY);
  }
  const conf = testConf({ escape: { command: 'node', args: [fixturePath('escape-server.mjs')] } });
  const env = testPoolEnv(redis, dir, conf, { HOME: join(dir, 'home'), LOG_LEVEL: 'info', MCP_SERVER_MAX_PROCESSES: String(SERVER_MAX_PROCESSES),
    MCP_ALL_SERVERS_MAX_PROCESSES: String(ALL_SERVERS_MAX_PROCESSES),
  });
  pool = await startPoolProcess(env, await freePort(), { uid: NOBODY, gid: NOBODY });
}, 30_000);
afterAll(async () => {
  await pool?.kill();
  await redis?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function attempt(userId: string, toolName: string, args: Record<string, unknown> = {}): Promise<{ ok: boolean; [key: string]: unknown }> {
  const { result } = await pool!.client.callTool(userId, { serverId: 'escape', toolName, arguments: args });
  return JSON.parse(toolResultText(result)) as { ok: boolean };
}

describe.skipIf(!isRoot)('an unprivileged pool (no cgroups): RLIMIT_NPROC', () => {
  it('says in its start-up line which process limits apply', () => {
    expect(pool!.output()).toMatch(
      /"serverLimits":"(per server: RLIMIT_NPROC 120 in its user namespace, no memory limit|no per-server process or memory limit); RLIMIT_NPROC 200 for all servers together"/,
    );
  });

  it("stops a fork bomb; where the kernel counts per user namespace at the server's own limit, so other users' servers still start", async () => {
    const perServer = pool!.output().includes('per server: RLIMIT_NPROC');
    const bomb = await attempt('attacker', 'fork-bomb', { count: 500 });
    expect(bomb).toMatchObject({ ok: false, error: 'EAGAIN' });
    expect(bomb.started).toBeLessThan(perServer ? SERVER_MAX_PROCESSES : ALL_SERVERS_MAX_PROCESSES);
    if (perServer) {
      expect(await attempt('bystander', 'whoami')).toMatchObject({ ok: true, uid: NOBODY });
    } else {
      // Counted over the whole uid: while the bomb's sleepers live, no other server can start (the
      // pool's container pids limit is all that protects the host). The pool itself keeps answering.
      await expect(attempt('bystander', 'whoami')).rejects.toThrow();
      expect(await pool!.client.listServers('bystander')).toBeDefined();
    }
    // Stopping the attacker's server takes its whole sandbox (every sleeper) with it.
    await pool!.client.stopServer('attacker', 'escape');
    expect(await attempt('bystander', 'whoami')).toMatchObject({ ok: true, uid: NOBODY });
  });

  it('caps all servers together at MCP_ALL_SERVERS_MAX_PROCESSES', async () => {
    const first = await attempt('attacker', 'fork-bomb', { count: 500 });
    const second = await attempt('second-attacker', 'fork-bomb', { count: 500 });
    expect(second).toMatchObject({ ok: false, error: 'EAGAIN' });
    expect((first.started as number) + (second.started as number)).toBeLessThan(ALL_SERVERS_MAX_PROCESSES);
    await Promise.all([pool!.client.stopServer('attacker', 'escape'), pool!.client.stopServer('second-attacker', 'escape')]);
    expect(await attempt('bystander', 'whoami')).toMatchObject({ ok: true });
  });
});
