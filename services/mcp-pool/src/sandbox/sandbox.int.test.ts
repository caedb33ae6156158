import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, PROJECT_ROOT } from '../testing/processes.js';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';

// A platform folder of its own, so the test can put a .env and conf/credential.csv next to the
// project's node_modules without touching the repository.
const projectRoot = mkdtempSync(join(tmpdir(), 'mcp-sandbox-root-'));
mkdirSync(join(projectRoot, 'conf'));
writeFileSync(join(projectRoot, 'package.json'), '{"private":true}');
writeFileSync(join(projectRoot, '.env'), 'API_KEY=dotenv-platform-secret\n');
writeFileSync(join(projectRoot, 'conf', 'credential.csv'), 'user,password\nadmin,credential-file-secret\n');
symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(projectRoot, 'node_modules'));

const escapeServer = fixturePath('escape-server.mjs');
const conf = testConf({ 'escape-conf': { command: 'node', args: [escapeServer] } });
conf.userServerCatalog = {
  escape: { command: 'node', args: [escapeServer] },
  'escape-net': { command: 'node', args: [escapeServer, '--network'], network: true },
};

let pool: TestPool;
let aliceWorkspace: string;
beforeAll(async () => {
  pool = await startTestPool({ label: 'sandbox', projectRoot, conf, env: { MCP_USER_STDIO: 'any' }, captureLogs: true });
  aliceWorkspace = join(pool.workspacesDir, 'alice');
  mkdirSync(aliceWorkspace, { recursive: true, mode: 0o700 });
  mkdirSync(join(pool.workspacesDir, 'bob'), { recursive: true, mode: 0o700 });
  writeFileSync(join(pool.workspacesDir, 'bob', 'diary.txt'), 'bob-private-words');
  // MCP_USER_STDIO=any: a command of the user's own, from the user's own workspace.
  copyFileSync(escapeServer, join(aliceWorkspace, 'escape-server.mjs'));
  await pool.store.put('alice', 'escape-any', { transport: 'stdio', command: 'node', args: [join(aliceWorkspace, 'escape-server.mjs')], env: {}, enabled: true });
  await pool.store.put('alice', 'escape-catalog', { transport: 'stdio', command: 'node', args: [escapeServer], env: {}, enabled: true });
  await pool.store.put('alice', 'escape-net', { transport: 'stdio', command: 'node', args: [escapeServer, '--network'], env: {}, enabled: true });
});
afterAll(async () => {
  await pool?.close();
  rmSync(projectRoot, { recursive: true, force: true });
});

async function attempt(serverId: string, toolName: string, args: Record<string, unknown> = {}): Promise<{ ok: boolean; [key: string]: unknown }> {
  const { result } = await pool.client.callTool('alice', { serverId, toolName, arguments: args });
  return JSON.parse(toolResultText(result)) as { ok: boolean };
}

describe.each(['escape-any', 'escape-catalog', 'escape-conf'])('sandboxed stdio server %s', (serverId) => {
  it("cannot read the pool's environment, nor see the pool in /proc", async () => {
    expect(await attempt(serverId, 'read-file', { path: `/proc/${process.pid}/environ` })).toMatchObject({ ok: false });
    const proc = await attempt(serverId, 'list-dir', { path: '/proc' });
    const pids = (proc.names as string[]).filter((name) => /^\d+$/.test(name));
    expect(pids).not.toContain(String(process.pid));
    // Its own pid namespace: bwrap's init, the server, and what it started.
    expect(pids.length).toBeLessThan(5);
  });

  it("cannot read another user's workspace, the project's .env or conf/credential.csv", async () => {
    for (const path of [join(pool.workspacesDir, 'bob', 'diary.txt'), join(projectRoot, '.env'), join(projectRoot, 'conf', 'credential.csv')]) {
      expect(await attempt(serverId, 'read-file', { path }), path).toMatchObject({ ok: false, error: 'ENOENT' });
    }
    expect(await attempt(serverId, 'list-dir', { path: projectRoot })).toMatchObject({ ok: true, names: expect.not.arrayContaining(['.env', 'conf']) });
  });

  it('cannot reach Redis (or anything) on loopback', async () => {
    expect(await attempt(serverId, 'connect', { host: '127.0.0.1', port: 6379 })).toMatchObject({ ok: false });
  });

  it('runs as an unprivileged uid with a private HOME', async () => {
    expect(await attempt(serverId, 'whoami')).toMatchObject({ ok: true, uid: 65534 });
    expect(await attempt(serverId, 'write-file', { path: '/tmp/home/x', text: 'scratch' })).toMatchObject({ ok: true });
  });
});

describe('what a sandboxed server may use', () => {
  it("reads and writes its own user's workspace", async () => {
    expect(await attempt('escape-any', 'write-file', { path: join(aliceWorkspace, 'note.txt'), text: 'from the sandbox' })).toMatchObject({ ok: true });
    expect(readFileSync(join(aliceWorkspace, 'note.txt'), 'utf8')).toBe('from the sandbox');
  });

  it('gets the network when its catalog entry says network: true', async () => {
    expect(await attempt('escape-net', 'connect', { host: '127.0.0.1', port: 6379 })).toMatchObject({ ok: true });
  });

  it('says at start-up that servers run sandboxed', () => {
    expect(pool.logs.some((line) => line.includes('run sandboxed (bubblewrap)'))).toBe(true);
  });
});
