import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AddMcpServerRequestSchema,
  ChatCompletionRequestSchema,
  ChatJobSchema,
  McpServersImportSchema,
  StreamEventSchema,
  WsClientFrameSchema,
  functionToolsOf,
  normalizeMcpServerEntry,
  parseDataUrl,
  redactMcpServerConfig,
  toCompletionUsage,
  toOpenAiFinishReason,
  zodErrorBody,
} from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

describe('chat request', () => {
  it("takes a request's function tools and its remote MCP servers in one tools list; tool_choice may name a function or leave the MCP tools to the model", () => {
    const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };
    const remote = { type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/mcp' };
    const body = ChatCompletionRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [weather, remote], tool_choice: 'required' });
    expect(body.tools?.map((tool) => tool.type)).toEqual(['function', 'mcp']);
    expect(functionToolsOf(body.tools).map((tool) => tool.function.name)).toEqual(['get_weather']);
    const onlyRemote = ChatCompletionRequestSchema.safeParse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [remote], tool_choice: 'required' });
    expect(onlyRemote.success).toBe(true);
    const twice = ChatCompletionRequestSchema.safeParse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [weather, remote, weather] });
    expect(twice.error?.issues[0]).toMatchObject({ path: ['tools', 2, 'function', 'name'], message: 'two tools are named get_weather' });
  });

  it('accepts the seed README curl body and applies the seed defaults', () => {
    const body = ChatCompletionRequestSchema.parse(fixture('chat-request.seed-curl.json'));
    expect(body.mcp_server_ids).toEqual(['local_fs']);
    expect(body.extra_params).toEqual({ enable_thinking: false, budget_tokens: 1024, only_n_most_recent_images: 3 });
    expect(body.keep_session).toBe(false);
  });

  it('accepts a full OpenAI body with parts, tool calls and extensions, dropping unknown fields', () => {
    const body = ChatCompletionRequestSchema.parse(fixture('chat-request.openai-full.json'));
    expect(body.messages).toHaveLength(5);
    expect(body.stream_options?.include_usage).toBe(true);
    expect(body).not.toHaveProperty('n');
    expect(body.extra_params.budget_tokens).toBe(2048);
  });

  it('names the offending field in errors', () => {
    const result = ChatCompletionRequestSchema.safeParse({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }],
    });
    expect(result.success).toBe(false);
    const body = zodErrorBody(result.error!);
    expect(body.error.param).toBe('messages[0].content[0].image_url.url');
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('refuses keep_session when the last message is not the user message', () => {
    const result = ChatCompletionRequestSchema.safeParse({
      model: 'm',
      keep_session: true,
      messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }],
    });
    expect(result.success).toBe(false);
  });

  it('accepts tool messages as the last messages of a keep_session request (they answer the stored client tool calls)', () => {
    const toolOnly = { model: 'm', keep_session: true, messages: [{ role: 'tool', tool_call_id: 't1', content: 'ok' }] };
    expect(ChatCompletionRequestSchema.safeParse(toolOnly).success).toBe(true);
    expect(ChatCompletionRequestSchema.safeParse({ ...toolOnly, replace_last: true }).success).toBe(false);
  });

  it('checks client tools: names by Bedrock’s rule, unique, object schemas; and a tool_choice that names one', () => {
    const issue = (extra: Record<string, unknown>) => {
      const result = ChatCompletionRequestSchema.safeParse({ model: 'm', messages: [{ role: 'user', content: 'a' }], ...extra });
      return result.success ? undefined : zodErrorBody(result.error).error.param;
    };
    const fn = (name: string, parameters?: unknown) => ({ type: 'function', function: { name, ...(parameters ? { parameters } : {}) } });
    expect(issue({ tools: [fn('get_weather', { type: 'object' })], tool_choice: { type: 'function', function: { name: 'get_weather' } } })).toBeUndefined();
    expect(issue({ tools: [fn('x'.repeat(65))] })).toBe('tools[0].function.name');
    expect(issue({ tools: [fn('a'), fn('a')] })).toBe('tools[1].function.name');
    expect(issue({ tools: [fn('a', { type: 'array' })] })).toBe('tools[0].function.parameters');
    expect(issue({ tool_choice: 'required' })).toBe('tool_choice');
    expect(issue({ tools: [fn('a')], tool_choice: { type: 'function', function: { name: 'b' } } })).toBe('tool_choice.function.name');
    // With MCP servers the named tool may be one of theirs: the worker checks it against the catalog.
    expect(issue({ mcp_server_ids: ['everything'], tool_choice: { type: 'function', function: { name: 'everything__echo' } } })).toBeUndefined();
    expect(issue({ response_format: { type: 'json_schema', json_schema: { name: 'bad name' } } })).toBe('response_format.json_schema.name');
  });

  it('refuses a thinking budget under Bedrock’s minimum', () => {
    expect(ChatCompletionRequestSchema.safeParse({ model: 'm', messages: [{ role: 'user', content: 'a' }], extra_params: { budget_tokens: 10 } }).success).toBe(false);
  });

  it('splits data URLs', () => {
    expect(parseDataUrl('data:image/PNG;base64,AAAA')).toEqual({ mimeType: 'image/png', base64: 'AAAA' });
    expect(parseDataUrl('https://x/y.png')).toBeUndefined();
  });
});

describe('OpenAI usage', () => {
  it('counts Bedrock’s cache reads and writes in prompt_tokens, the reads as cached_tokens', () => {
    expect(toCompletionUsage({ inputTokens: 10, outputTokens: 5, totalTokens: 15 })).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(toCompletionUsage({ inputTokens: 10, outputTokens: 5, totalTokens: 1515, cacheReadInputTokens: 1200, cacheWriteInputTokens: 300 })).toEqual({
      prompt_tokens: 1510,
      completion_tokens: 5,
      total_tokens: 1515,
      prompt_tokens_details: { cached_tokens: 1200 },
      cache_creation_input_tokens: 300,
    });
  });
});

describe('stream events', () => {
  it('parses a whole turn and keeps seq strictly increasing', () => {
    const events = (fixture('stream-events.turn.json') as unknown[]).map((raw) => StreamEventSchema.parse(raw));
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.at(-1)?.type).toBe('done');
  });

  it('refuses unknown fields in our own messages', () => {
    expect(StreamEventSchema.safeParse({ turnId: 't', seq: 1, ts: 1, type: 'text_delta', text: 'a', extra: 1 }).success).toBe(false);
  });

  it('maps finish reasons to OpenAI’s', () => {
    expect(toOpenAiFinishReason('end_turn')).toBe('stop');
    expect(toOpenAiFinishReason('max_tokens')).toBe('length');
    expect(toOpenAiFinishReason('stop_requested')).toBe('stop');
    expect(toOpenAiFinishReason('content_filtered')).toBe('content_filter');
  });
});

describe('MCP server configuration', () => {
  const servers = McpServersImportSchema.parse(fixture('mcp-servers.import.json')).mcpServers;

  it('normalizes stdio, streamable HTTP, legacy SSE and disabled entries', () => {
    expect(normalizeMcpServerEntry(servers.exa!)).toMatchObject({ transport: 'stdio', command: 'npx', env: { EXA_API_KEY: 'your-api-key-here' }, enabled: true });
    expect(normalizeMcpServerEntry(servers.MCPServerApi!)).toMatchObject({ transport: 'streamable_http', token: '123456' });
    expect(normalizeMcpServerEntry(servers.legacy!)).toMatchObject({ transport: 'sse', headers: { 'X-Team': 'a' } });
    expect(normalizeMcpServerEntry(servers.off!)).toMatchObject({ transport: 'stdio', enabled: false, description: 'DB Sqlite CRUD - MCP Server' });
  });

  it('refuses non-http URLs and bad env names', () => {
    expect(() => normalizeMcpServerEntry({ url: 'file:///etc/passwd' })).toThrow(/http/);
    expect(() => normalizeMcpServerEntry({ command: 'x', env: { 'BAD NAME': '1' } })).toThrow();
  });

  it('redacts every secret value', () => {
    const redacted = JSON.stringify([servers.exa, servers.MCPServerApi].map((entry) => redactMcpServerConfig(normalizeMcpServerEntry(entry!))));
    expect(redacted).not.toContain('your-api-key-here');
    expect(redacted).not.toContain('123456');
  });

  it('reads the seed add-server body: config_json wins, fields otherwise', () => {
    const fromJson = AddMcpServerRequestSchema.parse({ server_id: 'ignored', config_json: fixture('mcp-servers.import.json') });
    expect(fromJson.serverId).toBe('exa');
    const fromFields = AddMcpServerRequestSchema.parse({ server_id: 'fs', server_desc: 'Files', command: 'npx', args: ['-y', 'x'], env: {} });
    expect(fromFields).toMatchObject({ serverId: 'fs', entry: { command: 'npx', description: 'Files' } });
    expect(AddMcpServerRequestSchema.safeParse({ server_id: 'x' }).success).toBe(false);
    expect(AddMcpServerRequestSchema.safeParse({ server_id: '../etc', command: 'x' }).success).toBe(false);
  });
});

describe('internal messages', () => {
  it('parses the chat job fixture and refuses extra fields', () => {
    const job = fixture('chat-job.json') as Record<string, unknown>;
    expect(ChatJobSchema.parse(job).turnId).toBe('chatcmpl-abcdefgh12');
    expect(ChatJobSchema.safeParse({ ...job, surprise: 1 }).success).toBe(false);
    expect(ChatJobSchema.safeParse({ ...job, userId: 'a/b' }).success).toBe(false);
  });

  it('parses WebSocket client frames', () => {
    expect(WsClientFrameSchema.parse({ type: 'resume', turnId: 'chatcmpl-x' })).toEqual({ type: 'resume', turnId: 'chatcmpl-x', afterSeq: 0 });
    expect(WsClientFrameSchema.safeParse({ type: 'chat', requestId: 'r', body: { model: 'm', messages: [] } }).success).toBe(false);
  });
});

describe('ids', () => {
  it('refuses user ids that could name a parent or hidden folder', async () => {
    const { UserIdSchema } = await import('./ids.js');
    for (const bad of ['.', '..', '.hidden', 'a/b', 'a{b}', '']) expect(UserIdSchema.safeParse(bad).success, bad).toBe(false);
    for (const good of ['alice', 'alice.smith@example.com', 'user_1', 'key-0a1b2c3d4e5f']) expect(UserIdSchema.safeParse(good).success, good).toBe(true);
  });
});
