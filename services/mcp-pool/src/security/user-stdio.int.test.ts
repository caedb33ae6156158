import { join } from 'node:path';
import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../testing/processes.js';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';

/** The pool's own environment, full of credentials no server may inherit. */
const parentEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIAPLATFORM',
  AWS_SECRET_ACCESS_KEY: 'platform-aws-secret',
  API_KEY: 'platform-api-key',
  SECRETS_KEY: 'platform-secrets-key',
  COMPATIBLE_API_KEY: 'platform-openai-key',
  REDIS_URL: 'redis://:password@127.0.0.1:6379',
};
const PLATFORM_SECRETS = ['AKIAPLATFORM', 'platform-aws-secret', 'platform-api-key', 'platform-secrets-key', 'platform-openai-key', 'redis://:password'];

const demo = { transport: 'stdio' as const, command: 'mcp-server-everything', args: ['stdio'], env: { DEMO_API_KEY: 'user-demo-secret' }, enabled: true };
// Not the catalog's command line; a file the sandbox shows (the project's node_modules).
const everythingEntry = join(PROJECT_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const anyCommand = { transport: 'stdio' as const, command: 'node', args: [everythingEntry, 'stdio'], env: {}, enabled: true };

let catalogPool: TestPool;
let nonePool: TestPool;
let anyPool: TestPool;
beforeAll(async () => {
  [catalogPool, nonePool, anyPool] = await Promise.all([
    startTestPool({
      label: 'stdio-catalog',
      parentEnv,
      captureLogs: true,
      conf: testConf({ leaky: { command: 'node', args: ['-e', "console.error('rejected key ' + process.env.LEAKY_KEY); process.exit(1)"], env: { LEAKY_KEY: 'conf-leaky-secret' } } }),
    }),
    startTestPool({ label: 'stdio-none', env: { MCP_USER_STDIO: 'none' } }),
    startTestPool({ label: 'stdio-any', env: { MCP_USER_STDIO: 'any' }, captureLogs: true }),
  ]);
  for (const pool of [catalogPool, nonePool, anyPool]) {
    await pool.store.put('user1', 'demo', demo);
    await pool.store.put('user1', 'custom', anyCommand);
  }
});
afterAll(() => Promise.all([catalogPool?.close(), nonePool?.close(), anyPool?.close()]));

describe('MCP_USER_STDIO and the server environment', () => {
  it('catalog: runs a catalog server with the user env values only, never the platform credentials', async () => {
    const { result } = await catalogPool.client.callTool('user1', { serverId: 'demo', toolName: 'get-env', arguments: {} });
    const text = toolResultText(result);
    expect(text).toContain('user-demo-secret');
    for (const secret of PLATFORM_SECRETS) expect(text).not.toContain(secret);
    // conf servers get the same allowlisted environment.
    const conf = toolResultText((await catalogPool.client.callTool('user1', { serverId: 'everything', toolName: 'get-env', arguments: {} })).result);
    for (const secret of PLATFORM_SECRETS) expect(conf).not.toContain(secret);
  });

  it('catalog: refuses a command that is not in the catalog', async () => {
    await expect(catalogPool.client.ensureServer('user1', 'custom')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('not in the server catalog') });
  });

  it('none: refuses every user-added stdio server, catalog ones included', async () => {
    for (const serverId of ['demo', 'custom']) {
      await expect(nonePool.client.ensureServer('user1', serverId)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('MCP_USER_STDIO=none') });
    }
    expect(await nonePool.metric('mcp_pool_spawns_total')).toBe(0);
  });

  it('any: runs any command, and says so with a warning at start-up', async () => {
    const { result } = await anyPool.client.callTool('user1', { serverId: 'custom', toolName: 'echo', arguments: { message: 'hello' } });
    expect(toolResultText(result)).toContain('hello');
    expect(anyPool.logs.some((line) => line.includes('"level":"warn"') && line.includes('MCP_USER_STDIO=any'))).toBe(true);
  });

  it("masks a server's own env values when it prints them to stderr", async () => {
    await expect(catalogPool.client.ensureServer('user1', 'leaky')).rejects.toMatchObject({ code: 'server_start_failed', message: expect.stringContaining('rejected key ***') });
    const status = (await catalogPool.client.listServers('user1')).find((server) => server.serverId === 'leaky');
    expect(status?.stderrTail).toEqual(['rejected key ***']);
    expect(JSON.stringify(status)).not.toContain('conf-leaky-secret');
  });

  it('never writes env values or platform credentials to a log line', () => {
    const logs = [...catalogPool.logs, ...anyPool.logs].join('\n');
    expect(logs).toContain('starting MCP server');
    expect(logs).toContain('MCP server failed to start');
    expect(logs).not.toContain('conf-leaky-secret');
    expect(logs).not.toContain('user-demo-secret');
    for (const secret of PLATFORM_SECRETS) expect(logs).not.toContain(secret);
  });
});
