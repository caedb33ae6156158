import { RequestServerSecrets, SecretCipher } from '@bedrock-mcp/config-store';
import { toolResultText, type RequestServer } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverythingOverHttp, startRecordingProxy, type RunningHttpServer } from '../testing/http-servers.js';
import { startTestPool, TEST_POOL_SECRETS_KEY, testConf, type TestPool } from '../testing/pool-harness.js';

/** A chat request's own remote servers (RequestServerSchema): run per (user, turn), never listed, closed with the turn. */
let everything: RunningHttpServer;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let guarded: TestPool;
let allowing: TestPool;

const TURN_A = 'chatcmpl-requestservers-turn-a';
const TURN_B = 'chatcmpl-requestservers-turn-b';

/** As the gateway seals them (the pools' SECRETS_KEY). */
const secrets = new RequestServerSecrets(SecretCipher.fromSecret(TEST_POOL_SECRETS_KEY));

/** The server `userId`'s request brought for `turnId`, its header sealed for them. */
function requestServer(userId: string, turnId: string, extra: Partial<RequestServer> = {}): RequestServer {
  return secrets.seal(userId, { serverId: 'req-remote', turnId, transport: 'streamable_http', url: proxy.url, headers: { 'X-Request-Secret': 'per-request' }, ...extra });
}

beforeAll(async () => {
  everything = await startEverythingOverHttp('streamableHttp');
  proxy = await startRecordingProxy(everything.url);
  [guarded, allowing] = await Promise.all([
    startTestPool({ label: 'request-servers-guarded', conf: testConf() }),
    startTestPool({ label: 'request-servers', conf: testConf(), env: { MCP_ALLOWED_URL_RANGES: '127.0.0.1/32' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([guarded?.close(), allowing?.close()]);
  await Promise.all([proxy?.close(), everything?.close()]);
});

describe('request servers in the pool', () => {
  it('lists and calls only the allowed tools, with the request headers, and never among the user servers', async () => {
    const server = requestServer('alice', TURN_A, { allowedTools: ['echo'] });
    const catalog = await allowing.client.catalog('alice', [], undefined, [server]);
    expect(catalog.errors).toEqual([]);
    expect(catalog.tools.map((tool) => tool.name)).toEqual(['req-remote__echo']);
    const { result } = await allowing.client.callTool('alice', { serverId: 'req-remote', toolName: 'echo', arguments: { message: 'hi' }, requestServer: server });
    expect(toolResultText(result)).toContain('hi');
    await expect(allowing.client.callTool('alice', { serverId: 'req-remote', toolName: 'get-sum', arguments: { a: 1, b: 2 }, requestServer: server })).rejects.toMatchObject({ code: 'tool_not_found' });
    expect(proxy.requests.every((headers) => headers['x-request-secret'] === 'per-request')).toBe(true);
    expect((await allowing.client.listServers('alice')).map((status) => status.serverId)).not.toContain('req-remote');
    // Without its config the id is no server of the user's.
    await expect(allowing.client.callTool('alice', { serverId: 'req-remote', toolName: 'echo', arguments: {} })).rejects.toMatchObject({ code: 'server_not_found' });
  });

  it("keeps each turn's instance apart and closes a turn's instances when told", async () => {
    const spawns = () => allowing.metric('mcp_pool_spawns_total', { transport: 'streamable_http' });
    const before = await spawns();
    await allowing.client.catalog('bob', [], undefined, [requestServer('bob', TURN_A)]);
    await allowing.client.catalog('bob', [], undefined, [requestServer('bob', TURN_B)]);
    expect(await spawns()).toBe(before + 2);
    expect(await allowing.metric('mcp_pool_user_running_servers', { user_id: 'bob' })).toBe(2);

    await allowing.client.closeTurnServers('bob', TURN_A);
    expect(await allowing.metric('mcp_pool_user_running_servers', { user_id: 'bob' })).toBe(1);
    expect(await allowing.metric('mcp_pool_evictions_total', { reason: 'turn_ended' })).toBeGreaterThanOrEqual(1);
    // A later job of the same turn (a resumed pause) connects again from the config it carries.
    const { result } = await allowing.client.callTool('bob', { serverId: 'req-remote', toolName: 'echo', arguments: { message: 'again' }, requestServer: requestServer('bob', TURN_A) });
    expect(toolResultText(result)).toContain('again');
    expect(await spawns()).toBe(before + 3);
  });

  it('leaves an instance in use to its call (a job resuming the turn got there first)', async () => {
    const server = requestServer('dora', TURN_B);
    const call = allowing.client.callTool('dora', { serverId: 'req-remote', toolName: 'trigger-long-running-operation', arguments: { duration: 0.5, steps: 2 }, requestServer: server });
    await expect.poll(() => allowing.metric('mcp_pool_user_running_servers', { user_id: 'dora' })).toBe(1);
    await allowing.client.closeTurnServers('dora', TURN_B);
    const { result } = await call;
    expect(result.isError).not.toBe(true);
    expect(await allowing.metric('mcp_pool_user_running_servers', { user_id: 'dora' })).toBe(1);
  });

  it('opens the secrets only for the user and turn they were sealed for, and never takes them in plain text', async () => {
    const requestsBefore = proxy.requests.length;
    const alices = requestServer('alice', TURN_A);
    const asMallory = await allowing.client.catalog('mallory', [], undefined, [alices]);
    expect(asMallory).toMatchObject({ tools: [], errors: [{ serverId: 'req-remote', message: expect.stringContaining('not sealed for this user and turn') }] });
    await expect(allowing.client.callTool('mallory', { serverId: 'req-remote', toolName: 'echo', arguments: { message: 'x' }, requestServer: alices })).rejects.toMatchObject({ code: 'forbidden' });
    // Sealed for one turn, presented for another.
    await expect(allowing.client.callTool('alice', { serverId: 'req-remote', toolName: 'echo', arguments: { message: 'x' }, requestServer: { ...alices, turnId: TURN_B } })).rejects.toMatchObject({ code: 'forbidden' });
    const plain = { serverId: 'req-remote', turnId: TURN_A, transport: 'streamable_http', url: proxy.url, headers: { 'X-Request-Secret': 'per-request' } } as const;
    await expect(allowing.client.catalog('alice', [], undefined, [plain])).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('sealed') });
    expect(proxy.requests.length).toBe(requestsBefore);
    expect(await allowing.metric('mcp_pool_user_running_servers', { user_id: 'mallory' })).toBe(0);
  });

  it('refuses a loopback URL unless MCP_ALLOWED_URL_RANGES allows it', async () => {
    await expect(guarded.client.checkRequestServers('carol', [proxy.url])).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('MCP_ALLOWED_URL_RANGES') });
    await expect(allowing.client.checkRequestServers('carol', [proxy.url])).resolves.toBeUndefined();
    await expect(allowing.client.checkRequestServers('carol', ['http://169.254.169.254/mcp'])).rejects.toMatchObject({ code: 'forbidden' });
    const catalog = await guarded.client.catalog('carol', [], undefined, [requestServer('carol', TURN_A)]);
    expect(catalog.errors).toEqual([{ serverId: 'req-remote', message: expect.stringContaining('MCP_ALLOWED_URL_RANGES') }]);
  });
});
