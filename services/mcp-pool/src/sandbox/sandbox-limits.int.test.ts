import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../testing/processes.js';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';

// Small limits so the test stays quick; the defaults (256 processes, 4096 MiB) leave node
// servers (11 threads, ~1.1–1.25 GiB of address space) the same margin.
const MAX_PROCESSES = 64;
const MAX_MEMORY_MB = 1536;

let pool: TestPool;
beforeAll(async () => {
  pool = await startTestPool({
    label: 'sandbox-limits',
    conf: testConf({ escape: { command: 'node', args: [fixturePath('escape-server.mjs')] } }),
    env: { MCP_SERVER_MAX_PROCESSES: String(MAX_PROCESSES), MCP_SERVER_MAX_MEMORY_MB: String(MAX_MEMORY_MB) },
  });
});
afterAll(() => pool?.close());

async function attempt(userId: string, toolName: string, args: Record<string, unknown> = {}): Promise<{ ok: boolean; [key: string]: unknown }> {
  const { result } = await pool.client.callTool(userId, { serverId: 'escape', toolName, arguments: args });
  return JSON.parse(toolResultText(result)) as { ok: boolean };
}

async function othersStillServed(): Promise<void> {
  // Another user's server starts (the pool can still fork) and answers; so does the shared reference server.
  expect(await attempt('bystander', 'whoami')).toMatchObject({ ok: true });
  const { result } = await pool.client.callTool('bystander', { serverId: 'everything', toolName: 'echo', arguments: { message: 'still here' } });
  expect(toolResultText(result)).toContain('still here');
}

// Linux does not apply RLIMIT_NPROC to processes whose uid maps to host root: a pool running as
// root (this test machine) gets no process limit; the images run the pool as uid 1000.
const poolIsRoot = process.getuid?.() === 0;

describe('per-server limits', () => {
  it.skipIf(poolIsRoot)('stops a fork bomb at MCP_SERVER_MAX_PROCESSES, and the pool and other users carry on', async () => {
    const bomb = await attempt('attacker', 'fork-bomb', { count: 2000 });
    expect(bomb).toMatchObject({ ok: false, error: 'EAGAIN' });
    // Threads count too: node itself holds ~11 of the allowance.
    expect(bomb.started).toBeLessThan(MAX_PROCESSES);
    await othersStillServed();
  });

  it('stops a memory hog at MCP_SERVER_MAX_MEMORY_MB, and the pool and other users carry on', async () => {
    const outcome = await attempt('hog', 'memory-hog', { mb: 8192 }).catch((error: Error) => ({ ok: false, error: error.message }));
    expect(outcome).toMatchObject({ ok: false });
    // The hog's own server answers again (restarted if the allocation killed it).
    expect(await attempt('hog', 'whoami')).toMatchObject({ ok: true });
    await othersStillServed();
  });
});
