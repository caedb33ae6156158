import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@bedrock-mcp/common';
import { createUserServerStore, type UserServerStore } from '@bedrock-mcp/config-store';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../testing/processes.js';
import { ServerResolver, type ServerResolverOptions } from './server-resolver.js';

let redis: TestRedis;
let store: UserServerStore;
let dir: string;
beforeAll(async () => {
  redis = await startTestRedis('pool-resolver');
  const { settings } = loadConfig({ env: { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, SECRETS_KEY: 'resolver-test-secrets-key-0123456789' }, cwd: PROJECT_ROOT, readDotenv: false });
  store = createUserServerStore({ settings, logger: createLogger({ service: 'test', level: 'silent' }) });
  dir = mkdtempSync(join(tmpdir(), 'mcp-pool-resolver-'));
});
afterAll(async () => {
  await store?.close();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

function resolver(overrides: Partial<ServerResolverOptions> = {}): ServerResolver {
  return new ServerResolver({
    globalServers: {
      fs: { command: 'mcp-server-filesystem', args: ['${USER_WORKSPACE}'], env: { OWNER: 'user-${USER_ID}' }, cwd: '${USER_WORKSPACE}' },
      shared_stdio: { command: 'mcp-server-everything', args: ['stdio'], per_user: false },
      remote: { url: 'https://mcp.example.com/mcp', token: 't' },
      off: { command: 'mcp-server-everything', disabled: true },
    },
    catalog: {},
    store,
    userStdio: 'catalog',
    projectRoot: PROJECT_ROOT,
    workspacesDir: join(dir, 'workspaces'),
    configCacheMs: 60_000,
    ...overrides,
  });
}

describe('ServerResolver', () => {
  it('replaces ${USER_ID} and ${USER_WORKSPACE} per user and creates the workspace on first use', async () => {
    const resolved = await resolver().resolve('ann', 'fs', { fresh: true });
    const workspace = join(dir, 'workspaces', 'ann');
    expect(resolved).toMatchObject({ scope: 'global', shared: false, trusted: true, version: 0 });
    expect(resolved.config).toMatchObject({ transport: 'stdio', command: 'mcp-server-filesystem', args: [workspace], env: { OWNER: 'user-ann' }, cwd: workspace });
    expect(existsSync(workspace)).toBe(true);
  });

  it('runs stdio conf servers per user unless per_user is false, URL conf servers shared', async () => {
    const r = resolver();
    expect((await r.resolve('ann', 'shared_stdio', { fresh: true })).shared).toBe(true);
    expect((await r.resolve('ann', 'remote', { fresh: true })).shared).toBe(true);
    expect(r.isShared('fs')).toBe(false);
  });

  it('refuses a shared conf server that uses per-user placeholders, and a disabled one', async () => {
    expect(() => resolver({ globalServers: { bad: { command: 'x', args: ['${USER_ID}'], per_user: false } } })).toThrow(/per_user is false/);
    await expect(resolver().resolve('ann', 'off', { fresh: true })).rejects.toMatchObject({ code: 'server_disabled' });
  });

  it("reads a user's config (version = updatedAt), reusing it only within configCacheMs unless asked fresh", async () => {
    const r = resolver();
    await store.put('ben', 'mine', { transport: 'streamable_http', url: 'https://one.example.com/mcp', headers: {}, enabled: true });
    const first = await r.resolve('ben', 'mine', { fresh: false });
    expect(first).toMatchObject({ scope: 'user', trusted: false, shared: false });
    expect(first.version).toBe((await store.get('ben', 'mine'))!.updatedAt);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.put('ben', 'mine', { transport: 'streamable_http', url: 'https://two.example.com/mcp', headers: {}, enabled: true });
    expect((await r.resolve('ben', 'mine', { fresh: false })).config).toMatchObject({ url: 'https://one.example.com/mcp' });
    const fresh = await r.resolve('ben', 'mine', { fresh: true });
    expect(fresh.config).toMatchObject({ url: 'https://two.example.com/mcp' });
    expect(fresh.version).toBeGreaterThan(first.version);
    await expect(r.resolve('ben', 'nothing', { fresh: true })).rejects.toMatchObject({ code: 'server_not_found' });
  });

  it('lets conf servers shadow user servers of the same id, and starts user stdio servers in their workspace', async () => {
    await store.put('cat', 'fs', { transport: 'stdio', command: 'evil', args: [], env: {}, enabled: true });
    const r = resolver({ userStdio: 'any' });
    expect((await r.resolve('cat', 'fs', { fresh: true })).scope).toBe('global');
    expect((await r.list('cat')).filter((server) => server.serverId === 'fs')).toHaveLength(1);
    await store.put('cat', 'tool', { transport: 'stdio', command: 'node', args: ['server.js'], env: {}, enabled: true });
    expect((await r.resolve('cat', 'tool', { fresh: true })).config).toMatchObject({ cwd: join(dir, 'workspaces', 'cat') });
    // The user id schema allows dots: ".." must never become a workspace path.
    await expect(r.resolve('..', 'fs', { fresh: true })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
