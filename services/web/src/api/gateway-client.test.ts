import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startHttpStub, type HttpStub } from '../testing/http-stub.js';
import { GatewayClient } from './gateway-client.js';
import { GatewayError } from './gateway-error.js';

let stub: HttpStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const connection = (url: string) => ({ gatewayUrl: `${url}/`, apiKey: 'key-1', userId: 'alice' });

describe('GatewayClient', () => {
  it('sends the key and user id, and reads models with their capability flags', async () => {
    stub = await startHttpStub((_req, res) =>
      sendJson(res, 200, { models: [{ model_id: 'm1', model_name: 'Model 1', supports_thinking: true }, { model_id: 'm2', model_name: 'Model 2' }] }),
    );
    const models = await new GatewayClient(connection(stub.url)).listModels();
    expect(models).toEqual([
      { model_id: 'm1', model_name: 'Model 1', supports_thinking: true, supports_images: true, supports_documents: true },
      { model_id: 'm2', model_name: 'Model 2', supports_thinking: false, supports_images: true, supports_documents: true },
    ]);
    expect(stub.requests[0]).toMatchObject({ method: 'GET', url: '/v1/list/models' });
    expect(stub.requests[0]?.headers).toMatchObject({ authorization: 'Bearer key-1', 'x-user-id': 'alice' });
  });

  it('lists servers with status, and falls back to the seed list where /v1/mcp_servers is missing', async () => {
    stub = await startHttpStub((req, res) => {
      if (req.url === '/v1/mcp_servers') sendJson(res, 404, { error: { message: 'no route', type: 'invalid_request_error', code: 'not_found', param: null } });
      else sendJson(res, 200, { servers: [{ server_id: 'local_fs', server_name: 'Files' }] });
    });
    const list = await new GatewayClient(connection(stub.url)).listMcpServers();
    expect(list.servers).toEqual([{ id: 'local_fs', name: 'Files', scope: 'user', enabledByDefault: false, transport: undefined, status: 'unknown', message: undefined, stderrTail: [], toolCount: undefined }]);
    expect(stub.requests.map((request) => request.url)).toEqual(['/v1/mcp_servers', '/v1/list/mcp_server']);
  });

  it('turns the seed envelope errno -1 and OpenAI error bodies into GatewayErrors with the message', async () => {
    stub = await startHttpStub((req, res) => {
      if (req.url === '/v1/add/mcp_server') sendJson(res, 409, { errno: -1, msg: "MCP server 'x' already exists", error: { message: "MCP server 'x' already exists", type: 'invalid_request_error', code: 'conflict', param: 'server_id' } });
      else if (req.url === '/v1/remove/history') sendJson(res, 200, { errno: -1, msg: 'history store down' });
      else sendJson(res, 401, { error: { message: 'invalid API key', type: 'authentication_error', code: 'unauthorized', param: null } });
    });
    const client = new GatewayClient(connection(stub.url));
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
    const tools = await new GatewayClient(connection(stub.url)).listServerTools('every thing');
    expect(tools).toEqual([{ name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } }]);
    expect(stub.requests[0]?.url).toBe('/v1/mcp_servers/every%20thing/tools');
  });

  it('says plainly when the gateway cannot be reached or does not answer in time', async () => {
    stub = await startHttpStub(() => {
      // never answers
    });
    await expect(new GatewayClient(connection(stub.url), { timeoutMs: 200 }).listModels()).rejects.toMatchObject({ code: 'timeout' });
    const closedUrl = stub.url;
    await stub.close();
    stub = undefined;
    const error = await new GatewayClient(connection(closedUrl)).listModels().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).message).toContain(`Cannot reach the gateway at ${closedUrl}`);
  });
});
