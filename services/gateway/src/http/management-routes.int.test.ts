import { ListMcpServersResponseSchema, ListModelsResponseSchema, McpServerDetailListResponseSchema, OpenAiModelListSchema } from '@bedrock-mcp/contracts';
import { createHistoryKeys } from '@bedrock-mcp/turns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';

let h: GatewayHarness;
beforeAll(async () => {
  // The pool URL points at a closed port: these tests cover what the gateway decides itself; the
  // e2e suite covers adding servers through the real pool.
  h = await startGatewayHarness();
  await h.store.add('alice', 'alice-tools', { transport: 'stdio', command: 'mcp-server-everything', args: ['stdio'], env: { TOKEN: 's3cret' }, enabled: true, description: 'Alice tools', requireApproval: { always: { tool_names: ['echo'] } } });
});
afterAll(async () => {
  await h?.close();
});

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

describe('models', () => {
  it('lists the configured models in the OpenAI and the seed shapes', async () => {
    const openai = OpenAiModelListSchema.parse(await (await h.request('/v1/models')).json());
    expect(openai.data.map((model) => model.id)).toEqual([TEST_MODEL]);
    const seed = ListModelsResponseSchema.parse(await (await h.request('/v1/list/models')).json());
    expect(seed.models[0]).toMatchObject({ model_id: TEST_MODEL, model_name: 'Test model', supports_thinking: true });
  });
});

describe('MCP servers', () => {
  it('lists global servers and the user’s own, and nobody else’s', async () => {
    const alice = ListMcpServersResponseSchema.parse(await (await h.request('/v1/list/mcp_server')).json());
    expect(alice.servers.map((server) => [server.server_id, server.server_name, server.scope])).toEqual([
      ['cot', 'Sequential thinking', 'global'],
      ['alice-tools', 'Alice tools', 'user'],
    ]);
    const bob = ListMcpServersResponseSchema.parse(await (await h.request('/v1/list/mcp_server', { user: 'bob' })).json());
    expect(bob.servers.map((server) => server.server_id)).toEqual(['cot']);
  });

  it('reports the live status as unknown (with the reason) when the pool cannot be reached', async () => {
    const detail = McpServerDetailListResponseSchema.parse(await (await h.request('/v1/mcp_servers')).json());
    expect(detail.servers.map((server) => [server.server_id, server.status, server.transport])).toEqual([
      ['cot', 'unknown', 'stdio'],
      ['alice-tools', 'unknown', 'stdio'],
    ]);
    expect(detail.poolError).toMatch(/unreachable/);
    expect(JSON.stringify(detail)).not.toContain('s3cret');
  });

  it('lists each server’s approval policy, for the sidebar’s badge', async () => {
    const detail = McpServerDetailListResponseSchema.parse(await (await h.request('/v1/mcp_servers')).json());
    const policies = Object.fromEntries(detail.servers.map((server) => [server.server_id, server.require_approval]));
    expect(policies).toEqual({ cot: undefined, 'alice-tools': { always: { tool_names: ['echo'] } } });
  });

  it('refuses invalid add requests with 400 in both envelopes, and existing ids with 409', async () => {
    const invalid = await json(await h.request('/v1/add/mcp_server', { method: 'POST', body: JSON.stringify({ server_id: 'x' }) }));
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ errno: -1, msg: expect.stringContaining('command'), error: { code: 'invalid_request', param: 'command' } });
    const global = await json(await h.request('/v1/add/mcp_server', { method: 'POST', body: JSON.stringify({ server_id: 'cot', command: 'x' }) }));
    expect(global).toMatchObject({ status: 409, body: { errno: -1 } });
    const own = await json(await h.request('/v1/add/mcp_server', { method: 'POST', body: JSON.stringify({ config_json: { mcpServers: { 'alice-tools': { command: 'x' } } } }) }));
    expect(own).toMatchObject({ status: 409, body: { errno: -1, msg: "MCP server 'alice-tools' already exists" } });
  });

  it('removes the stored config again when the server cannot be started', async () => {
    const res = await json(await h.request('/v1/add/mcp_server', { method: 'POST', body: JSON.stringify({ server_id: 'doomed', command: 'mcp-server-everything', args: ['stdio'] }) }));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ errno: -1, msg: expect.stringContaining("'doomed'") });
    expect(await h.store.get('alice', 'doomed')).toBeUndefined();
  });

  it('never removes global servers or another user’s, and 404s unknown ids', async () => {
    expect(await json(await h.request('/v1/remove/mcp_server/cot', { method: 'DELETE' }))).toMatchObject({ status: 403, body: { errno: -1 } });
    expect(await json(await h.request('/v1/remove/mcp_server/alice-tools', { method: 'DELETE', user: 'bob' }))).toMatchObject({
      status: 404,
      body: { errno: -1, msg: "MCP server not found: 'alice-tools'" },
    });
    expect(await h.store.get('alice', 'alice-tools')).toBeDefined();
    expect((await h.request('/v1/mcp_servers/alice-tools/tools', { user: 'bob' })).status).toBe(404);
  });

  it('removes the user’s own server even when the pool is unreachable', async () => {
    await h.store.add('carol', 'mine', { transport: 'streamable_http', url: 'https://example.com/mcp', headers: {}, enabled: true });
    expect(await json(await h.request('/v1/remove/mcp_server/mine', { method: 'DELETE', user: 'carol' }))).toEqual({
      status: 200,
      body: { errno: 0, msg: "MCP server 'mine' removed" },
    });
    expect(await h.store.get('carol', 'mine')).toBeUndefined();
  });
});

describe('history', () => {
  it('removes only the caller’s history and bumps its epoch', async () => {
    const redis = h.testRedis.client;
    await redis.rpush(createHistoryKeys(h.keys.prefix).history({ userId: 'alice', conversationId: null }), '{"role":"user"}');
    await redis.rpush(createHistoryKeys(h.keys.prefix).history({ userId: 'bob', conversationId: null }), '{"role":"user"}');
    expect(await json(await h.request('/v1/remove/history', { method: 'POST' }))).toEqual({ status: 200, body: { errno: 0, msg: 'removed history' } });
    expect(await redis.exists(createHistoryKeys(h.keys.prefix).history({ userId: 'alice', conversationId: null }))).toBe(0);
    expect(await redis.get(createHistoryKeys(h.keys.prefix).epoch({ userId: 'alice', conversationId: null }))).toBe('1');
    expect(await redis.exists(createHistoryKeys(h.keys.prefix).history({ userId: 'bob', conversationId: null }))).toBe(1);
  });

  it('with conversation_id removes only that conversation of the caller; a bad id is a 400', async () => {
    const redis = h.testRedis.client;
    const keys = createHistoryKeys(h.keys.prefix);
    const scopes = [
      { userId: 'alice', conversationId: null },
      { userId: 'alice', conversationId: 'conv-a' },
      { userId: 'alice', conversationId: 'conv-b' },
      { userId: 'bob', conversationId: 'conv-a' },
    ];
    for (const scope of scopes) await redis.rpush(keys.history(scope), '{"role":"user"}');
    const remove = (body: unknown, user?: string) => h.request('/v1/remove/history', { method: 'POST', body: JSON.stringify(body), ...(user ? { user } : {}) });
    expect(await json(await remove({ conversation_id: 'conv-a' }))).toEqual({ status: 200, body: { errno: 0, msg: 'removed history' } });
    expect(await Promise.all(scopes.map((scope) => redis.exists(keys.history(scope))))).toEqual([1, 0, 1, 1]);
    expect(await redis.get(keys.epoch(scopes[1]!))).toBe('1');
    expect(await redis.exists(keys.epoch(scopes[2]!))).toBe(0);

    expect((await remove({ conversation_id: 'no/slashes' })).status).toBe(400);
    expect((await remove({ conversation_id: 'x'.repeat(129) })).status).toBe(400);
    expect(await Promise.all(scopes.map((scope) => redis.exists(keys.history(scope))))).toEqual([1, 0, 1, 1]);

    // An empty body (as the seed's clients send) is the default conversation.
    expect((await remove({}, 'bob')).status).toBe(200);
    expect(await redis.exists(keys.history(scopes[3]!))).toBe(1);
    expect((await remove({ conversation_id: 'conv-a' }, 'bob')).status).toBe(200);
    expect(await Promise.all(scopes.map((scope) => redis.exists(keys.history(scope))))).toEqual([1, 0, 1, 0]);
  });
});

