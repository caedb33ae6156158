import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../testing/processes.js';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';

/** The presets exactly as conf/config.json ships them. */
const shipped = JSON.parse(readFileSync(join(PROJECT_ROOT, 'conf', 'config.json'), 'utf8')) as { mcpServers: Record<string, unknown> };

let pool: TestPool;
beforeAll(async () => {
  pool = await startTestPool({ label: 'presets-sandboxed', conf: { ...testConf(), mcpServers: shipped.mcpServers }, captureLogs: true });
});
afterAll(() => pool?.close());

const call = async (serverId: string, toolName: string, args: Record<string, unknown>) =>
  toolResultText((await pool.client.callTool('preset-user', { serverId, toolName, arguments: args })).result);

describe('the presets, sandboxed', () => {
  it('run under bubblewrap', async () => {
    expect(pool.logs.some((line) => line.includes('run sandboxed (bubblewrap)'))).toBe(true);
    await call('cot', 'sequentialthinking', { thought: 'one step', thoughtNumber: 1, totalThoughts: 1, nextThoughtNeeded: false });
    const status = (await pool.client.listServers('preset-user')).find((server) => server.serverId === 'cot');
    expect(readFileSync(`/proc/${status!.pid}/cmdline`, 'utf8').split('\0')[0]).toMatch(/bwrap$/);
  });

  it('local_fs lists and reads the files of its user', async () => {
    const workspace = join(pool.workspacesDir, 'preset-user');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'rows.txt'), 'three rows');
    expect(await call('local_fs', 'list_directory', { path: workspace })).toContain('rows.txt');
    expect(await call('local_fs', 'read_text_file', { path: join(workspace, 'rows.txt') })).toContain('three rows');
  });

  it('db_sqlite creates and queries the demo database (native sqlite3 module) in the workspace', async () => {
    expect(await call('db_sqlite', 'list_tables', {})).toContain('customers');
    expect(await call('db_sqlite', 'read_query', { query: 'SELECT count(*) AS n FROM products' })).toContain('4');
  });
});
