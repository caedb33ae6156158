import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startHttpStub, type HttpStub } from '../testing/http-stub.js';
import { blobId, recordedExchange, storedConversation, summary } from '../testing/stored-conversations.js';
import { GatewayClient, type GatewayClientOptions } from './gateway-client.js';
import { GatewayError } from './gateway-error.js';

let stub: HttpStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const clientFor = (url: string, options: Omit<GatewayClientOptions, 'baseUrl'> = {}) => new GatewayClient({ baseUrl: `${url}/`, ...options });

describe('GatewayClient', () => {
  it('reads models with their capability flags, sending no key or user id (the session cookie says who)', async () => {
    stub = await startHttpStub((_req, res) =>
      sendJson(res, 200, { models: [{ model_id: 'm1', model_name: 'Model 1', supports_thinking: true }, { model_id: 'm2', model_name: 'Model 2' }] }),
    );
    const inits: Array<RequestInit | undefined> = [];
    const models = await clientFor(stub.url, { csrfToken: 'csrf-1', fetchImpl: (input, init) => (inits.push(init), fetch(input, init)) }).listModels();
    expect(models).toEqual([
      { model_id: 'm1', model_name: 'Model 1', supports_thinking: true, supports_images: true, supports_documents: true },
      { model_id: 'm2', model_name: 'Model 2', supports_thinking: false, supports_images: true, supports_documents: true },
    ]);
    expect(stub.requests[0]).toMatchObject({ method: 'GET', url: '/v1/list/models' });
    expect(stub.requests[0]?.headers).not.toHaveProperty('authorization');
    expect(stub.requests[0]?.headers).not.toHaveProperty('x-user-id');
    // A GET changes nothing: no CSRF token on it.
    expect(stub.requests[0]?.headers).not.toHaveProperty('x-csrf-token');
    expect(inits[0]?.credentials).toBe('same-origin');
  });

  it('sends the CSRF token on every call that changes state', async () => {
    stub = await startHttpStub((req, res) => {
      if (req.method === 'DELETE' || req.url.startsWith('/auth/')) {
        res.writeHead(204).end();
        return;
      }
      if (req.url === '/v1/keys') sendJson(res, 201, { id: '0123456789ab', name: 'ci', key: 'bmk_secret', prefix: 'bmk_secr', created_at: '2026-12-06T08:00:00.000Z', expires_at: null });
      else sendJson(res, 200, { errno: 0, msg: 'ok' });
    });
    const client = clientFor(stub.url, { csrfToken: 'csrf-1' });
    await client.removeHistory();
    await client.removeHistory('conv-1');
    expect(await client.createApiKey({ name: 'ci' })).toMatchObject({ key: 'bmk_secret' });
    await client.revokeApiKey('0123456789ab');
    await client.signOut();
    await client.signOut(true);
    expect(stub.requests.map((request) => `${request.method} ${request.url} ${String(request.headers['x-csrf-token'])}`)).toEqual([
      'POST /v1/remove/history csrf-1',
      'POST /v1/remove/history csrf-1',
      'POST /v1/keys csrf-1',
      'DELETE /v1/keys/0123456789ab csrf-1',
      'POST /auth/logout csrf-1',
      'POST /auth/logout-all csrf-1',
    ]);
    // Without an id the default conversation (voice's); with one, that conversation.
    expect(JSON.parse(stub.requests[1]!.body)).toEqual({ conversation_id: 'conv-1' });
    expect(stub.requests[0]!.body).not.toContain('conversation_id');
  });

  it('tells its owner about a 401 (the session ended) before the call rejects', async () => {
    stub = await startHttpStub((_req, res) => sendJson(res, 401, { error: { message: 'The session expired', type: 'authentication_error', code: 'unauthorized', param: null } }));
    const ended: GatewayError[] = [];
    const error = await clientFor(stub.url, { onUnauthorized: (caught) => ended.push(caught) })
      .listModels()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', message: 'The session expired' });
    expect(ended).toEqual([error]);
  });

  it('lists servers with status, and falls back to the seed list where /v1/mcp_servers is missing', async () => {
    stub = await startHttpStub((req, res) => {
      if (req.url === '/v1/mcp_servers') sendJson(res, 404, { error: { message: 'no route', type: 'invalid_request_error', code: 'not_found', param: null } });
      else sendJson(res, 200, { servers: [{ server_id: 'local_fs', server_name: 'Files' }] });
    });
    const list = await clientFor(stub.url).listMcpServers();
    expect(list.servers).toEqual([{ id: 'local_fs', name: 'Files', scope: 'user', enabledByDefault: false, transport: undefined, status: 'unknown', message: undefined, stderrTail: [], toolCount: undefined }]);
    expect(stub.requests.map((request) => request.url)).toEqual(['/v1/mcp_servers', '/v1/list/mcp_server']);
  });

  it('turns the seed envelope errno -1 and OpenAI error bodies into GatewayErrors with the message', async () => {
    stub = await startHttpStub((req, res) => {
      if (req.url === '/v1/add/mcp_server') sendJson(res, 409, { errno: -1, msg: "MCP server 'x' already exists", error: { message: "MCP server 'x' already exists", type: 'invalid_request_error', code: 'conflict', param: 'server_id' } });
      else if (req.url === '/v1/remove/history') sendJson(res, 200, { errno: -1, msg: 'history store down' });
      else sendJson(res, 401, { error: { message: 'invalid API key', type: 'authentication_error', code: 'unauthorized', param: null } });
    });
    const client = clientFor(stub.url);
    await expect(client.addMcpServer({ server_id: 'x', server_desc: '', command: 'c', args: [], env: {}, config_json: {} })).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
      message: "MCP server 'x' already exists",
    });
    await expect(client.removeHistory()).rejects.toMatchObject({ message: 'history store down' });
    await expect(client.listModels()).rejects.toMatchObject({ status: 401, code: 'unauthorized', message: 'invalid API key' });
  });

  it('reads tools from the seed envelope', async () => {
    stub = await startHttpStub((_req, res) =>
      sendJson(res, 200, { errno: 0, msg: 'ok', data: { tools: [{ toolSpec: { name: 'echo', description: 'Echoes', inputSchema: { json: { type: 'object' } } } }] } }),
    );
    const tools = await clientFor(stub.url).listServerTools('every thing');
    expect(tools).toEqual([{ name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } }]);
    expect(stub.requests[0]?.url).toBe('/v1/mcp_servers/every%20thing/tools');
  });

  it('says plainly when the gateway cannot be reached or does not answer in time', async () => {
    stub = await startHttpStub(() => {
      // never answers
    });
    await expect(clientFor(stub.url, { timeoutMs: 200 }).listModels()).rejects.toMatchObject({ code: 'timeout' });
    const closedUrl = stub.url;
    await stub.close();
    stub = undefined;
    const error = await clientFor(closedUrl).listModels().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).message).toContain(`Cannot reach the gateway through ${closedUrl}`);
  });

  describe('conversations', () => {
    it('lists with q, cursor and limit in the query, and gets a page of messages with message_limit and before', async () => {
      const listed = summary('c-one', 'First');
      const conversation = storedConversation(summary('c-one', 'First', { message_count: 300 }), recordedExchange(1), 198);
      stub = await startHttpStub((req, res) => {
        if (/^\/v1\/conversations(\?|$)/.test(req.url)) sendJson(res, 200, { object: 'list', data: [listed], next_cursor: 'next-page' });
        else sendJson(res, 200, conversation);
      });
      const client = clientFor(stub.url);
      await expect(client.listConversations({ q: '  chart ', cursor: 'abc', limit: 30 })).resolves.toEqual({ object: 'list', data: [listed], next_cursor: 'next-page' });
      await client.listConversations();
      const got = await client.getConversation('c-one', { messageLimit: 100, before: 200 });
      expect(got.first_index).toBe(198);
      expect(got.messages[1]?.parts.map((part) => part.type)).toEqual(['thinking', 'ask', 'tool_call', 'text']);
      await client.getConversation('c-one');
      expect(stub.requests.map((request) => request.url)).toEqual([
        '/v1/conversations?q=chart&cursor=abc&limit=30',
        '/v1/conversations',
        '/v1/conversations/c-one?message_limit=100&before=200',
        '/v1/conversations/c-one',
      ]);
    });

    it('creates, renames and deletes with the CSRF token; refuses an answer that is not a conversation', async () => {
      stub = await startHttpStub((req, res) => {
        if (req.method === 'DELETE') res.writeHead(204).end();
        else if (req.method === 'POST') sendJson(res, 201, summary('c-new', 'Hello'));
        else if (req.url === '/v1/conversations/c-bad') sendJson(res, 200, { id: 'c-bad', title: 'no summary fields' });
        else sendJson(res, 200, summary('c-new', 'Renamed', { title_source: 'user' }));
      });
      const client = clientFor(stub.url, { csrfToken: 'csrf-9' });
      await expect(client.createConversation({ id: 'c-new' })).resolves.toMatchObject({ id: 'c-new', title: 'Hello' });
      await expect(client.updateConversation('c-new', { title: 'Renamed' })).resolves.toMatchObject({ title: 'Renamed', title_source: 'user' });
      await expect(client.deleteConversation('c-new')).resolves.toBeUndefined();
      await expect(client.getConversation('c-bad')).rejects.toMatchObject({ code: 'bad_response' });
      expect(stub.requests.slice(0, 3).map((request) => [request.method, request.url, request.body, request.headers['x-csrf-token']])).toEqual([
        ['POST', '/v1/conversations', '{"id":"c-new"}', 'csrf-9'],
        ['PATCH', '/v1/conversations/c-new', '{"title":"Renamed"}', 'csrf-9'],
        ['DELETE', '/v1/conversations/c-new', '', 'csrf-9'],
      ]);
    });

    it('builds the export and blob URLs on its origin', () => {
      const client = clientFor('http://127.0.0.1:9');
      expect(client.conversationExportUrl('c-one', 'markdown')).toBe('http://127.0.0.1:9/v1/conversations/c-one/export?format=markdown');
      expect(client.conversationExportUrl('c-one')).toBe('http://127.0.0.1:9/v1/conversations/c-one/export?format=json');
      expect(client.conversationBlobUrl('c-one', blobId('a'))).toBe(`http://127.0.0.1:9/v1/conversations/c-one/blobs/${blobId('a')}`);
    });
  });
});
