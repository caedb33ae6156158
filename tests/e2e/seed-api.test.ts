import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSse } from './support/sse.js';
import { startStack, STACK_NOVA_MODEL, type Stack } from './support/stack.js';

interface Chunk {
  id: string;
  choices: Array<{ delta: { role?: string; content?: string | null }; finish_reason: string | null; message_extras?: { tool_use: string } }>;
}

let stack: Stack;
let workspace: string;
const USER = 'user123';

beforeAll(async () => {
  stack = await startStack({
    label: 'seed',
    app: {
      mcpServers: {
        local_fs: { command: 'mcp-server-filesystem', args: ['${USER_WORKSPACE}'], description: 'Local file system (your own workspace folder)', per_user: true },
        everything: { command: 'mcp-server-everything', args: ['stdio'], description: 'MCP reference server with demo tools', per_user: false },
      },
    },
  });
  workspace = join(stack.dir, 'workspaces', USER);
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'notes.txt'), 'hello');
  stack.emulator.script([
    { when: { lastUserText: 'list files in current dir' }, reply: { text: 'Let me look.', toolUses: [{ name: 'local_fs__list_directory', input: { path: workspace } }] } },
    { when: { afterToolResult: 'local_fs__list_directory' }, reply: (context) => ({ text: `Your folder has: ${context.lastToolResultText}` }) },
    { when: { lastUserText: 'my name is Ada' }, reply: { text: 'Nice to meet you, Ada.' } },
    { when: { lastUserText: 'what is my name' }, reply: { text: 'Checking the history.' } },
    { when: { lastUserText: 'talk for a long time' }, reply: { text: 'word '.repeat(60), chunkCount: 60, chunkDelayMs: 50 } },
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

/** The seed README's curl example, translated (plus the header choosing the seed's stream dialect). */
function seedCurl(body: Record<string, unknown>, userId = USER): Promise<Response> {
  return fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${stack.apiKey}`, 'X-User-ID': userId, 'X-Stream-Format': 'seed' },
    body: JSON.stringify({ model: STACK_NOVA_MODEL, mcp_server_ids: ['local_fs'], stream: true, keep_session: false, ...body }),
  });
}

describe('the seed README curl example', () => {
  it('streams the seed dialect: role per round, inline tool input, tool_use round with message_extras, end_turn, ids, [DONE]', async () => {
    const res = await seedCurl({ messages: [{ role: 'user', content: 'list files in current dir' }] });
    expect(res.status).toBe(200);
    const streamId = res.headers.get('x-stream-id');
    expect(streamId).toMatch(/^chatcmpl-/);
    const events = await readSse(res);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.every((event) => /^\d+$/.test(event.id ?? ''))).toBe(true);
    const chunks = events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as Chunk);
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toContain('Let me look.<tool_input>');
    expect(content).toContain('</tool_input>');
    expect(content).toContain('Your folder has: [FILE] notes.txt');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.role === 'assistant')).toHaveLength(2);
    const reasons = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean);
    expect(reasons).toEqual(['tool_use', 'end_turn']);
    const toolChunk = chunks.find((chunk) => chunk.choices[0]?.message_extras)!;
    const [call, result] = JSON.parse(toolChunk.choices[0]!.message_extras!.tool_use) as [{ name: string; input: unknown; toolUseId: string }, { toolUseId: string; content: Array<{ text: string }> }];
    expect(call).toMatchObject({ name: 'local_fs__list_directory', input: { path: workspace } });
    expect(result.toolUseId).toBe(call.toolUseId);
    expect(result.content[0]?.text).toContain('notes.txt');
  });

  it('keeps the session on the server with keep_session and forgets it after /v1/remove/history', async () => {
    const first = await seedCurl({ keep_session: true, mcp_server_ids: [], messages: [{ role: 'user', content: 'my name is Ada' }] });
    await first.text();
    const second = await seedCurl({ keep_session: true, mcp_server_ids: [], messages: [{ role: 'user', content: 'what is my name' }] });
    await second.text();
    const sentWithHistory = stack.emulator.requests.at(-1)!;
    expect(JSON.stringify(sentWithHistory.body)).toContain('my name is Ada');
    expect(JSON.stringify(sentWithHistory.body)).toContain('Nice to meet you, Ada.');

    const removed = await stack.fetch('/v1/remove/history', { method: 'POST', userId: USER });
    expect(await removed.json()).toEqual({ errno: 0, msg: 'removed history' });
    await (await seedCurl({ keep_session: true, mcp_server_ids: [], messages: [{ role: 'user', content: 'what is my name' }] })).text();
    expect(JSON.stringify(stack.emulator.requests.at(-1)!.body)).not.toContain('my name is Ada');
  });

  it('stops a stream: POST /v1/stop/stream/{id} answers the seed body and the stream ends with stop_requested', async () => {
    const res = await seedCurl({ mcp_server_ids: [], messages: [{ role: 'user', content: 'talk for a long time' }] });
    const streamId = res.headers.get('x-stream-id')!;
    let stopAnswer: unknown;
    const started = Date.now();
    const events = await readSse(res, async (event) => {
      if (stopAnswer === undefined && event.data.includes('word')) {
        stopAnswer = await (await stack.fetch(`/v1/stop/stream/${streamId}`, { method: 'POST', userId: USER })).json();
      }
    });
    expect(stopAnswer).toEqual({ errno: 0, msg: 'Stream stopping initiated' });
    expect(Date.now() - started).toBeLessThan(2500);
    const chunks = events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as Chunk);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop_requested');
    expect(events.at(-1)?.data).toBe('[DONE]');
  });
});

describe('the seed management API through the real pool', () => {
  it('lists models and servers in the seed shapes', async () => {
    const models = (await (await stack.fetch('/v1/list/models', { userId: USER })).json()) as { models: Array<{ model_id: string; model_name: string }> };
    expect(models.models.map((model) => model.model_id)).toContain(STACK_NOVA_MODEL);
    const servers = (await (await stack.fetch('/v1/list/mcp_server', { userId: USER })).json()) as { servers: Array<{ server_id: string; server_name: string }> };
    expect(servers.servers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ server_id: 'local_fs', server_name: 'Local file system (your own workspace folder)' }),
        expect.objectContaining({ server_id: 'everything', server_name: 'MCP reference server with demo tools' }),
      ]),
    );
  });

  it('adds a server from {"mcpServers": …} JSON, returning its tools as toolSpecs, shows it ready, and removes it', async () => {
    const added = await stack.fetch('/v1/add/mcp_server', {
      method: 'POST',
      userId: USER,
      body: JSON.stringify({ server_id: '', server_desc: 'my demo tools', config_json: { mcpServers: { 'my-tools': { command: 'mcp-server-everything', args: ['stdio'] } } } }),
    });
    const body = (await added.json()) as { errno: number; msg: string; data: { tools: Array<{ toolSpec: { name: string; description: string; inputSchema: { json: unknown } } }> } };
    expect(added.status).toBe(200);
    expect(body.errno).toBe(0);
    expect(body.data.tools.map((tool) => tool.toolSpec.name)).toContain('my-tools__echo');
    expect(body.data.tools.find((tool) => tool.toolSpec.name === 'my-tools__echo')?.toolSpec.inputSchema.json).toMatchObject({ type: 'object' });

    const detail = (await (await stack.fetch('/v1/mcp_servers', { userId: USER })).json()) as { servers: Array<{ server_id: string; status: string; scope: string }> };
    expect(detail.servers.find((server) => server.server_id === 'my-tools')).toMatchObject({ scope: 'user', status: 'ready' });
    const tools = (await (await stack.fetch('/v1/mcp_servers/my-tools/tools', { userId: USER })).json()) as { data: { tools: unknown[] } };
    expect(tools.data.tools.length).toBe(body.data.tools.length);

    const removed = await stack.fetch('/v1/remove/mcp_server/my-tools', { method: 'DELETE', userId: USER });
    expect(await removed.json()).toEqual({ errno: 0, msg: "MCP server 'my-tools' removed" });
    const after = (await (await stack.fetch('/v1/list/mcp_server', { userId: USER })).json()) as { servers: Array<{ server_id: string }> };
    expect(after.servers.map((server) => server.server_id)).not.toContain('my-tools');
  });

  it('refuses a command outside the catalog (MCP_USER_STDIO=catalog) and keeps no config', async () => {
    const refused = await stack.fetch('/v1/add/mcp_server', {
      method: 'POST',
      userId: USER,
      body: JSON.stringify({ server_id: 'evil', command: 'bash', args: ['-c', 'echo pwned'] }),
    });
    const body = (await refused.json()) as { errno: number; msg: string };
    expect(refused.status).toBe(403);
    expect(body.errno).toBe(-1);
    expect(body.msg).toMatch(/catalog/);
    const servers = (await (await stack.fetch('/v1/list/mcp_server', { userId: USER })).json()) as { servers: Array<{ server_id: string }> };
    expect(servers.servers.map((server) => server.server_id)).not.toContain('evil');
  });
});
