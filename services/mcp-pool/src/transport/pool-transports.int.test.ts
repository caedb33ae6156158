import { toolResultText } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverythingOverHttp, startRecordingProxy, startRedirectingServer, type RunningHttpServer } from '../testing/http-servers.js';
import { startTestPool, testConf, type TestPool } from '../testing/pool-harness.js';

let streamable: RunningHttpServer;
let sse: RunningHttpServer;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let guarded: TestPool;
let allowing: TestPool;

beforeAll(async () => {
  [streamable, sse] = await Promise.all([startEverythingOverHttp('streamableHttp'), startEverythingOverHttp('sse')]);
  proxy = await startRecordingProxy(streamable.url);
  const conf = testConf({
    remote_http: { url: proxy.url, token: 'conf-token', headers: { 'X-Tenant': 'tenant-1' } },
    remote_sse: { url: sse.url },
  });
  [guarded, allowing] = await Promise.all([
    startTestPool({ label: 'transports', conf }),
    startTestPool({ label: 'allowed-ranges', conf, env: { MCP_ALLOWED_URL_RANGES: '127.0.0.0/8, ::1/128' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([guarded?.close(), allowing?.close()]);
  await Promise.all([proxy?.close(), streamable?.close(), sse?.close()]);
});

describe('URL transports (server-everything over HTTP, real processes)', () => {
  it('streamable HTTP: lists and calls tools, sending the token as a Bearer header and the custom headers', async () => {
    const catalog = await guarded.client.catalog('alice', ['remote_http']);
    expect(catalog.errors).toEqual([]);
    expect(catalog.tools.map((tool) => tool.name)).toContain('remote_http__echo');
    const { result } = await guarded.client.callTool('alice', { serverId: 'remote_http', toolName: 'echo', arguments: { message: 'over http' } });
    expect(toolResultText(result)).toContain('over http');
    expect(proxy.requests.length).toBeGreaterThanOrEqual(3);
    for (const headers of proxy.requests) {
      expect(headers.authorization).toBe('Bearer conf-token');
      expect(headers['x-tenant']).toBe('tenant-1');
    }
    const status = (await guarded.client.listServers('alice')).find((server) => server.serverId === 'remote_http');
    expect(status).toMatchObject({ state: 'ready', transport: 'streamable_http', scope: 'global' });
  });

  it('legacy SSE: lists and calls tools', async () => {
    const { result } = await guarded.client.callTool('alice', { serverId: 'remote_sse', toolName: 'get-sum', arguments: { a: 20, b: 22 } });
    expect(toolResultText(result)).toContain('42');
    const status = (await guarded.client.listServers('alice')).find((server) => server.serverId === 'remote_sse');
    expect(status).toMatchObject({ state: 'ready', transport: 'sse' });
  });

  it('refuses user-added URL servers on loopback, private or metadata addresses; conf servers there are trusted', async () => {
    await guarded.store.put('mallory', 'local', { transport: 'streamable_http', url: streamable.url, headers: {}, enabled: true });
    await guarded.store.put('mallory', 'byname', { transport: 'streamable_http', url: streamable.url.replace('127.0.0.1', 'localhost'), headers: {}, enabled: true });
    await guarded.store.put('mallory', 'metadata', { transport: 'sse', url: 'http://169.254.169.254/sse', headers: {}, enabled: true });
    await guarded.store.put('mallory', 'private', { transport: 'streamable_http', url: 'http://10.0.0.7:8080/mcp', headers: {}, enabled: true });
    for (const serverId of ['local', 'byname', 'metadata', 'private']) {
      await expect(guarded.client.ensureServer('mallory', serverId)).rejects.toMatchObject({ code: 'forbidden', status: 403, message: expect.stringContaining('MCP_ALLOWED_URL_RANGES') });
    }
    const spawnsBefore = await guarded.metric('mcp_pool_spawns_total', { transport: 'streamable_http' });
    const catalog = await guarded.client.catalog('mallory', ['local', 'remote_http']);
    expect(catalog.errors).toEqual([{ serverId: 'local', message: expect.stringContaining('refused to connect to 127.0.0.1') }]);
    expect(catalog.tools.some((tool) => tool.serverId === 'remote_http')).toBe(true);
    // The refused server was never even attempted: only the conf server connected.
    expect((await guarded.metric('mcp_pool_spawns_total', { transport: 'streamable_http' })) - spawnsBefore).toBe(1);
  });

  it('lets a user reach a range the admin allowed (MCP_ALLOWED_URL_RANGES), with the user token as Bearer header', async () => {
    const before = proxy.requests.length;
    await allowing.store.put('trent', 'mine', { transport: 'streamable_http', url: proxy.url, token: 'user-token', headers: {}, enabled: true });
    const { result } = await allowing.client.callTool('trent', { serverId: 'mine', toolName: 'echo', arguments: { message: 'allowed range' } });
    expect(toolResultText(result)).toContain('allowed range');
    const mine = proxy.requests.slice(before).filter((headers) => headers.authorization === 'Bearer user-token');
    expect(mine.length).toBeGreaterThanOrEqual(3);
    // Legacy SSE through the same guarded connection path.
    await allowing.store.put('trent', 'mine_sse', { transport: 'sse', url: sse.url, headers: {}, enabled: true });
    const sum = await allowing.client.callTool('trent', { serverId: 'mine_sse', toolName: 'get-sum', arguments: { a: 1, b: 1 } });
    expect(toolResultText(sum.result)).toContain('2');
    // Metadata stays refused: the allowance is the admin's range, not "anything goes".
    await allowing.store.put('trent', 'metadata', { transport: 'streamable_http', url: 'http://169.254.169.254/mcp', headers: {}, enabled: true });
    await expect(allowing.client.ensureServer('trent', 'metadata')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses a user-added URL server that redirects to the cloud metadata address, though its first hop is allowed', async () => {
    const redirecting = await startRedirectingServer('http://169.254.169.254/latest/meta-data/');
    try {
      await allowing.store.put('trent', 'bouncer', { transport: 'streamable_http', url: redirecting.url, token: 'user-token', headers: {}, enabled: true });
      const started = Date.now();
      await expect(allowing.client.ensureServer('trent', 'bouncer')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('169.254.169.254') });
      expect(redirecting.hits.length).toBeGreaterThanOrEqual(1);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await redirecting.close();
    }
  });
});
