import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEDROCK_TOOL_NAME_PATTERN, toolResultText } from '@bedrock-mcp/contracts';
import { PoolClientError, type ToolProgress } from '@bedrock-mcp/pool-client';
import { TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPool, type TestPool } from '../testing/pool-harness.js';

/** What PoolClient sends: the pool answers nothing else (internal-auth.int.test.ts). */
const INTERNAL = { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` };

let pool: TestPool;
beforeAll(async () => {
  pool = await startTestPool({ label: 'tools', env: { TOOL_RESULT_MAX_BYTES: '16384' } });
});
afterAll(() => pool?.close());

describe('tools through the pool (server-everything, server-filesystem, real processes)', () => {
  it('lists the catalog under Bedrock-safe names that map back to server and tool', async () => {
    const catalog = await pool.client.catalog('alice', ['everything', 'fs']);
    expect(catalog.errors).toEqual([]);
    const names = catalog.tools.map((tool) => tool.name);
    expect(new Set(names).size).toBe(names.length);
    for (const tool of catalog.tools) expect(tool.name).toMatch(BEDROCK_TOOL_NAME_PATTERN);
    const echo = catalog.tools.find((tool) => tool.serverId === 'everything' && tool.toolName === 'echo');
    expect(echo).toMatchObject({ name: 'everything__echo', inputSchema: { type: 'object' } });
    // The filesystem server's tool names (e.g. read_text_file) map back exactly too.
    const fsTools = catalog.tools.filter((tool) => tool.serverId === 'fs');
    expect(fsTools.map((tool) => tool.toolName)).toContain('write_file');
    expect(fsTools.every((tool) => tool.name === `fs__${tool.toolName}`)).toBe(true);
  });

  it('calls echo and get-sum', async () => {
    const echo = await pool.client.callTool('alice', { serverId: 'everything', toolName: 'echo', arguments: { message: 'hello pool' } });
    expect(toolResultText(echo.result)).toContain('hello pool');
    expect(echo.result.isError).toBe(false);
    const sum = await pool.client.callTool('alice', { serverId: 'everything', toolName: 'get-sum', arguments: { a: 2, b: 40 } });
    expect(toolResultText(sum.result)).toContain('42');
  });

  it('returns the image tool result as an image part (base64 + mime type)', async () => {
    const { result } = await pool.client.callTool('alice', { serverId: 'everything', toolName: 'get-tiny-image', arguments: {} });
    const image = result.content.find((part) => part.type === 'image');
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' });
    expect(Buffer.from((image as { data: string }).data, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('streams progress lines of a long-running tool before its result', async () => {
    const progress: ToolProgress[] = [];
    const { result } = await pool.client.callTool(
      'alice',
      { serverId: 'everything', toolName: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } },
      { onProgress: (update) => progress.push(update) },
    );
    expect(progress).toEqual([
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ]);
    expect(toolResultText(result)).toContain('Long running operation completed');
  });

  it('keeps embedded resources and resource links', async () => {
    const embedded = await pool.client.callTool('alice', { serverId: 'everything', toolName: 'get-resource-reference', arguments: { resourceType: 'Text', resourceId: 3 } });
    const resource = embedded.result.content.find((part) => part.type === 'resource');
    expect(resource).toMatchObject({ type: 'resource', uri: expect.stringContaining('3'), text: expect.any(String) });
    const links = await pool.client.callTool('alice', { serverId: 'everything', toolName: 'get-resource-links', arguments: { count: 2 } });
    expect(links.result.content.filter((part) => part.type === 'resource')).toHaveLength(2);
  });

  it("keeps a tool's own error as an isError result, and cuts an oversized result with a marker", async () => {
    const failed = await pool.client.callTool('alice', { serverId: 'stubborn', toolName: 'fail', arguments: {} });
    expect(failed.result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'it failed' }] });
    const big = await pool.client.callTool('alice', { serverId: 'stubborn', toolName: 'big', arguments: { bytes: 40_000 } });
    expect(big.result.truncatedBytes).toBe(40_000 - (16_384 - 64));
    expect(big.result.content.at(-1)).toEqual({ type: 'text', text: '[… truncated 23,680 bytes]' });
  });

  it('reads and writes in the user workspace through server-filesystem, created on first use', async () => {
    const workspace = join(pool.workspacesDir, 'bob');
    expect(existsSync(workspace)).toBe(false);
    const path = join(workspace, 'note.txt');
    const written = await pool.client.callTool('bob', { serverId: 'fs', toolName: 'write_file', arguments: { path, content: 'from the pool' } });
    expect(written.result.isError).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('from the pool');
    const read = await pool.client.callTool('bob', { serverId: 'fs', toolName: 'read_text_file', arguments: { path } });
    expect(toolResultText(read.result)).toContain('from the pool');
    // Outside the user's workspace the server refuses: another user's folder is not reachable.
    const outside = await pool.client.callTool('bob', { serverId: 'fs', toolName: 'read_text_file', arguments: { path: join(pool.workspacesDir, 'alice', 'x.txt') } });
    expect(outside.result.isError).toBe(true);
  });

  it('reports a broken server in errors while the other servers still list, and refuses unknown ids cleanly', async () => {
    const catalog = await pool.client.catalog('carol', ['everything', 'broken', 'no-such-server']);
    expect(catalog.tools.some((tool) => tool.serverId === 'everything')).toBe(true);
    expect(catalog.errors).toEqual([
      { serverId: 'broken', message: expect.stringContaining('broken: cannot start, missing credentials') },
      { serverId: 'no-such-server', message: expect.stringContaining("no MCP server 'no-such-server'") },
    ]);
    const status = (await pool.client.listServers('carol')).find((server) => server.serverId === 'broken');
    expect(status).toMatchObject({ state: 'error', error: expect.stringContaining('exited with code 2'), stderrTail: ['broken: cannot start, missing credentials'] });
  });

  it('answers unknown tools, unknown servers and bad requests with the contract error codes', async () => {
    await expect(pool.client.callTool('alice', { serverId: 'everything', toolName: 'no-such-tool', arguments: {} })).rejects.toMatchObject({ code: 'tool_not_found', status: 404 });
    await expect(pool.client.callTool('alice', { serverId: 'nope', toolName: 'echo', arguments: {} })).rejects.toMatchObject({ code: 'server_not_found', status: 404 });
    await expect(pool.client.ensureServer('a/b', 'everything')).rejects.toBeInstanceOf(PoolClientError);
    const response = await fetch(`${pool.service.url}/v1/users/alice/call`, { method: 'POST', headers: { ...INTERNAL, 'content-type': 'application/json' }, body: '{"serverId": 5}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    const malformed = await fetch(`${pool.service.url}/v1/users/alice/catalog`, { method: 'POST', headers: { ...INTERNAL, 'content-type': 'application/json' }, body: '{not json' });
    expect(malformed.status).toBe(400);
  });

  it('answers bad call requests the same for an owned user (fast path) as for a new one (express)', async () => {
    await pool.client.callTool('owned', { serverId: 'everything', toolName: 'echo', arguments: { message: 'own' } });
    const cases: Array<{ body: string; type?: string }> = [
      { body: '{not json' },
      { body: '"text"' },
      { body: '{"serverId":"everything","toolName":"echo","extra":1}' },
      { body: '{"serverId":"nope","toolName":"echo"}' },
      { body: '{"serverId":"everything","toolName":"echo"}', type: 'text/plain' },
      { body: 'x'.repeat(2_000_000) },
      { body: '\uFEFF{"serverId":"nope","toolName":"echo"}' },
      { body: ' {"serverId":"nope","toolName":"echo"}' },
      { body: '' },
      { body: '[]' },
      { body: '{"serverId":"nope","toolName":"echo"}', type: 'application/json; charset=utf-8' },
    ];
    const answer = async (userId: string, { body, type }: { body: string; type?: string }) => {
      const response = await fetch(`${pool.service.url}/v1/users/${userId}/call`, { method: 'POST', headers: { ...INTERNAL, 'content-type': type ?? 'application/json' }, body });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    };
    for (const request of cases) {
      const fresh = await answer(`fresh-${cases.indexOf(request)}`, request);
      expect(fresh.status).toBeGreaterThanOrEqual(400);
      expect(await answer('owned', request)).toEqual(fresh);
    }
  });

  it('refreshes the cached tool list on notifications/tools/list_changed', async () => {
    const before = await pool.client.catalog('dave', ['stubborn']);
    expect(before.tools.map((tool) => tool.toolName)).not.toContain('dynamic-1');
    await pool.client.callTool('dave', { serverId: 'stubborn', toolName: 'add-tool', arguments: {} });
    const after = await pool.client.catalog('dave', ['stubborn']);
    expect(after.tools.map((tool) => tool.toolName)).toContain('dynamic-1');
    const dynamic = await pool.client.callTool('dave', { serverId: 'stubborn', toolName: 'dynamic-1', arguments: {} });
    expect(toolResultText(dynamic.result)).toBe('dynamic 1');
  });

  it('spawns nothing on a second chat turn (catalog + call for the same user)', async () => {
    await pool.client.catalog('erin', ['everything']);
    await pool.client.callTool('erin', { serverId: 'everything', toolName: 'echo', arguments: { message: 'turn 1' } });
    const spawnsBefore = await pool.metric('mcp_pool_spawns_total');
    await pool.client.catalog('erin', ['everything']);
    await pool.client.callTool('erin', { serverId: 'everything', toolName: 'echo', arguments: { message: 'turn 2' } });
    expect(await pool.metric('mcp_pool_spawns_total')).toBe(spawnsBefore);
  });

  it('exposes /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${pool.service.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${pool.service.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { redis: 'ok', store: 'ok' } });
    const metrics = await (await fetch(`${pool.service.url}/metrics`, { headers: INTERNAL })).text();
    const sample = (name: string, label?: string) =>
      metrics
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) && (label === undefined || line.includes(label)))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    expect(sample('mcp_pool_running_servers')).toBeGreaterThan(0);
    expect(sample('mcp_pool_user_running_servers', 'user_id="alice"')).toBeGreaterThan(0);
    expect(sample('mcp_pool_tool_call_duration_seconds_count', 'outcome="ok"')).toBeGreaterThan(0);
    expect(sample('mcp_pool_spawns_total', 'transport="stdio"')).toBeGreaterThan(0);
    expect(sample('mcp_pool_start_failures_total')).toBeGreaterThan(0);
  });
});
