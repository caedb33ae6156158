import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';

// Issue #15 item 1: a user's data in the preset servers (db_sqlite, local_fs) is reachable by no
// other user, through the real pool and the real servers of conf/config.json, without a sandbox.

let pool: TestPool;
const workspace = (user: string) => join(pool.workspacesDir, user);
const call = (user: string, serverId: string, toolName: string, args: Record<string, unknown>) => pool.client.callTool(user, { serverId, toolName, arguments: args }).then(({ result }) => result);

beforeAll(async () => {
  const conf = testConf({
    db_sqlite: { command: 'node', args: ['services/mcp-pool/demo/sqlite-demo-server.mjs', '${USER_WORKSPACE}/demo.db'], per_user: true },
  });
  pool = await startTestPool({ label: 'preset-isolation', conf });
  // Bob keeps a private table in his demo database.
  expect((await call('bob', 'db_sqlite', 'create_table', { query: 'CREATE TABLE private_notes (note TEXT)' })).isError).toBe(false);
  expect((await call('bob', 'db_sqlite', 'write_query', { query: "INSERT INTO private_notes VALUES ('bob secret')" })).isError).toBe(false);
  expect(toolResultText(await call('bob', 'db_sqlite', 'read_query', { query: 'SELECT note FROM private_notes' }))).toContain('bob secret');
});
afterAll(() => pool?.close());

describe('db_sqlite: a user reaches only their own database', () => {
  it("refuses ATTACH of another user's database, so its rows cannot be read", async () => {
    const attach = await call('alice', 'db_sqlite', 'write_query', { query: `ATTACH DATABASE '${join(workspace('bob'), 'demo.db')}' AS other` });
    expect(attach).toMatchObject({ isError: true });
    expect(toolResultText(attach)).toContain('too many attached databases - max 0');
    const uri = await call('alice', 'db_sqlite', 'write_query', { query: `ATTACH 'file:${join(workspace('bob'), 'demo.db')}?mode=ro' AS other` });
    expect(uri.isError).toBe(true);
    const read = await call('alice', 'db_sqlite', 'read_query', { query: 'SELECT note FROM other.private_notes' });
    expect(read.isError).toBe(true);
    expect(toolResultText(read)).not.toContain('bob secret');
  });

  it('refuses VACUUM INTO, which would write a copy of the database to any path', async () => {
    for (const target of [join(workspace('bob'), 'planted.db'), join(workspace('alice'), 'copy.db')]) {
      const vacuum = await call('alice', 'db_sqlite', 'write_query', { query: `VACUUM INTO '${target}'` });
      expect(vacuum.isError).toBe(true);
      expect(existsSync(target)).toBe(false);
    }
  });

  it('refuses load_extension() and moving temporary files elsewhere', async () => {
    const extension = await call('alice', 'db_sqlite', 'read_query', { query: "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libc.so.6')" });
    expect(extension.isError).toBe(true);
    expect(toolResultText(extension)).toContain('not authorized');
    const pragma = await call('alice', 'db_sqlite', 'write_query', { query: `/* tidy */ PRAGMA temp_store_directory = '${workspace('bob')}'` });
    expect(pragma.isError).toBe(true);
    expect(toolResultText(pragma)).toContain('temp_store_directory');
  });

  it('still answers ordinary queries on the demo tables', async () => {
    const rows = await call('alice', 'db_sqlite', 'read_query', { query: "SELECT name FROM customers WHERE city = 'Seattle'" });
    expect(rows.isError).toBe(false);
    expect(toolResultText(rows)).toContain('Alice Martin');
  });

  it("refuses to open a demo.db that is a symbolic link (to another user's database)", async () => {
    mkdirSync(workspace('carol'), { recursive: true });
    symlinkSync(join(workspace('bob'), 'demo.db'), join(workspace('carol'), 'demo.db'));
    await expect(call('carol', 'db_sqlite', 'read_query', { query: 'SELECT note FROM private_notes' })).rejects.toMatchObject({ message: expect.stringContaining('symbolic link') });
  });
});

describe('local_fs (server-filesystem on ${USER_WORKSPACE}): a user reaches only their own folder', () => {
  beforeAll(async () => {
    // Dave's workspace exists once his server has written to it; others' files are put in place directly.
    expect((await call('dave', 'fs', 'write_file', { path: join(workspace('dave'), 'mine.txt'), content: 'dave' })).isError).toBe(false);
    for (const user of ['erin', 'dave2']) {
      mkdirSync(workspace(user), { recursive: true });
      writeFileSync(join(workspace(user), 'secret.txt'), `${user} secret`);
    }
    // Links inside Dave's workspace pointing out of it (as a process of his could make them).
    symlinkSync(workspace('erin'), join(workspace('dave'), 'to-erin'));
    symlinkSync(join(workspace('erin'), 'secret.txt'), join(workspace('dave'), 'erin-secret.txt'));
  });

  const refusedRead = async (path: string) => {
    const result = await call('dave', 'fs', 'read_text_file', { path });
    expect(result.isError, path).toBe(true);
    expect(toolResultText(result)).not.toMatch(/erin secret|dave2 secret/);
  };

  it('refuses another user\'s folder by "..", relative and absolute paths', async () => {
    await refusedRead(join(workspace('erin'), 'secret.txt'));
    await refusedRead(`${workspace('dave')}/../erin/secret.txt`);
    await refusedRead('../erin/secret.txt');
  });

  it('refuses a sibling folder whose name starts with the user\'s (dave2 next to dave)', async () => {
    await refusedRead(join(workspace('dave2'), 'secret.txt'));
    const listing = await call('dave', 'fs', 'list_directory', { path: workspace('dave2') });
    expect(listing.isError).toBe(true);
  });

  it('refuses symbolic links that point out of the workspace, for reading, listing and writing', async () => {
    await refusedRead(join(workspace('dave'), 'to-erin', 'secret.txt'));
    await refusedRead(join(workspace('dave'), 'erin-secret.txt'));
    expect((await call('dave', 'fs', 'list_directory', { path: join(workspace('dave'), 'to-erin') })).isError).toBe(true);
    const write = await call('dave', 'fs', 'write_file', { path: join(workspace('dave'), 'to-erin', 'planted.txt'), content: 'x' });
    expect(write.isError).toBe(true);
    expect(existsSync(join(workspace('erin'), 'planted.txt'))).toBe(false);
    const move = await call('dave', 'fs', 'move_file', { source: join(workspace('erin'), 'secret.txt'), destination: join(workspace('dave'), 'taken.txt') });
    expect(move.isError).toBe(true);
    expect(existsSync(join(workspace('erin'), 'secret.txt'))).toBe(true);
  });
});
