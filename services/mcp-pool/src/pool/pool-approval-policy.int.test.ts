import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';

let pool: TestPool;
beforeAll(async () => {
  pool = await startTestPool({
    label: 'approval-policy',
    conf: testConf({ guarded: { command: 'mcp-server-everything', args: ['stdio'], require_approval: { always: { tool_names: ['echo'] } } } }),
  });
});
afterAll(() => pool?.close());

describe('approval policies in the catalog (real server-everything)', () => {
  it("gives each tool its server's policy: the admin's on a global server, the owner's on their own, none otherwise", async () => {
    await pool.store.put('gina', 'mine', {
      transport: 'stdio',
      command: 'mcp-server-everything',
      args: ['stdio'],
      env: {},
      enabled: true,
      requireApproval: { never: { tool_names: ['get-sum'] } },
    });
    const catalog = await pool.client.catalog('gina', ['guarded', 'mine', 'everything']);
    expect(catalog.errors).toEqual([]);
    const echoOf = (serverId: string) => catalog.tools.find((tool) => tool.serverId === serverId && tool.toolName === 'echo');
    expect(echoOf('guarded')?.requireApproval).toEqual({ always: { tool_names: ['echo'] } });
    expect(echoOf('mine')?.requireApproval).toEqual({ never: { tool_names: ['get-sum'] } });
    expect(echoOf('everything')).toBeDefined();
    expect(echoOf('everything')).not.toHaveProperty('requireApproval');
  });
});
