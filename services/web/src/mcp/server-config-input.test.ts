import { AddMcpServerRequestSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { buildServerFormBody, emptyServerForm, parseServerJson, SERVER_JSON_EXAMPLE } from './server-config-input.js';

describe('parseServerJson', () => {
  it('accepts the example and produces a body the gateway parses to the same server', () => {
    const parsed = parseServerJson(SERVER_JSON_EXAMPLE);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.serverId).toBe('everything');
    const request = AddMcpServerRequestSchema.parse(parsed.body);
    expect(request).toMatchObject({ serverId: 'everything', entry: { command: 'mcp-server-everything', args: ['stdio'] } });
  });

  it('accepts a URL server with a token', () => {
    const parsed = parseServerJson('{"mcpServers":{"api":{"url":"https://example.com/mcp","token":"t0k"}}}');
    expect(parsed).toMatchObject({ ok: true, serverId: 'api' });
  });

  it.each([
    ['', /Paste a JSON configuration/],
    ['{"mcpServers": {', /not valid JSON/],
    ['[1,2]', /must be a JSON object/],
    ['{"mcpServers": []}', /"mcpServers" must be an object/],
    ['{"mcpServers": {}}', /is empty/],
    ['{"mcpServers": {"a": {"command": "x"}, "b": {"command": "y"}}}', /one server at a time \(found 2: a, b\)/],
    ['{"mcpServers": {"bad id!": {"command": "x"}}}', /Server id "bad id!"/],
    ['{"mcpServers": {"x": {"args": ["a"]}}}', /needs a "command" \(stdio\) or a "url"/],
    ['{"mcpServers": {"x": {"command": "c", "args": "not-a-list"}}}', /mcpServers\.x\.args/],
    ['{"mcpServers": {"x": {"url": "ftp://example.com"}}}', /url must be an http\(s\) URL/],
  ])('refuses %j with a message naming the problem', (text, message) => {
    const parsed = parseServerJson(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });
});

describe('buildServerFormBody', () => {
  it('builds a stdio body with args per line and env pairs', () => {
    const result = buildServerFormBody({
      ...emptyServerForm,
      serverId: 'exa',
      description: 'Exa search',
      command: 'npx',
      args: '-y\nexa-mcp-server\n',
      env: 'EXA_API_KEY=abc=def',
    });
    expect(result).toEqual({
      ok: true,
      serverId: 'exa',
      body: { server_id: 'exa', server_desc: 'Exa search', command: 'npx', args: ['-y', 'exa-mcp-server'], env: { EXA_API_KEY: 'abc=def' }, config_json: {} },
    });
    if (result.ok) expect(AddMcpServerRequestSchema.safeParse(result.body).success).toBe(true);
  });

  it('names each wrong field', () => {
    const result = buildServerFormBody({ ...emptyServerForm, serverId: '', env: 'not a pair' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['command', 'env', 'serverId']);
    expect(buildServerFormBody({ ...emptyServerForm, serverId: 'u', kind: 'url', url: 'nope' })).toMatchObject({ ok: false, errors: { url: expect.stringContaining('URL') } });
  });

  it('builds a URL body the gateway accepts', () => {
    const result = buildServerFormBody({ ...emptyServerForm, serverId: 'remote', kind: 'url', url: 'https://example.com/sse', token: 'secret' });
    expect(result.ok).toBe(true);
    if (result.ok) expect(AddMcpServerRequestSchema.parse(result.body)).toMatchObject({ serverId: 'remote', entry: { url: 'https://example.com/sse', token: 'secret' } });
  });
});
