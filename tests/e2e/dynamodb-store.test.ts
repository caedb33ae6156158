import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureDynamoTable } from '@bedrock-mcp/config-store';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';

const TABLE = 'mcp_user_config_table';
let stack: Stack;
let server: ReturnType<typeof dynalite>;
let client: DynamoDBClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  await ensureDynamoTable(client, TABLE);
  stack = await startStack({
    label: 'dynamo',
    // Gateway (writes) and pool (reads) share the DynamoDB store, as in a deployment with ddb_table.
    env: { ddb_table: TABLE, AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    app: {
      userServerCatalog: { everything: { command: 'mcp-server-everything', args: ['stdio'], env_keys: ['DEMO_API_KEY'] } },
    },
  });
  stack.emulator.script([
    { when: { lastUserText: 'use my tools' }, reply: { toolUses: [{ name: 'dyn-tools__echo', input: { message: 'from dynamo' } }] } },
    { when: { afterToolResult: 'dyn-tools__echo' }, reply: (context) => ({ text: context.lastToolResultText ?? '' }) },
  ]);
});
afterAll(async () => {
  await stack?.stop();
  client?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const item = async (userId: string) => (await client.send(new GetItemCommand({ TableName: TABLE, Key: { userId: { S: userId } }, ConsistentRead: true }))).Item;

describe('the DynamoDB config store (ddb_table) on dynalite', () => {
  it('stores an added server in the table keyed by userId, with its secret encrypted, and the pool runs it from there', async () => {
    const added = await stack.fetch('/v1/add/mcp_server', {
      method: 'POST',
      userId: 'dyn-user',
      body: JSON.stringify({ config_json: { mcpServers: { 'dyn-tools': { command: 'mcp-server-everything', args: ['stdio'], env: { DEMO_API_KEY: 'plain-secret-value' } } } } }),
    });
    const body = (await added.json()) as { errno: number; data: { tools: Array<{ toolSpec: { name: string } }> } };
    expect(body.errno).toBe(0);
    expect(body.data.tools.map((tool) => tool.toolSpec.name)).toContain('dyn-tools__echo');

    const stored = await item('dyn-user');
    expect(stored?.userId?.S).toBe('dyn-user');
    expect(JSON.stringify(stored)).toContain('dyn-tools');
    expect(JSON.stringify(stored)).not.toContain('plain-secret-value');
    expect(await stack.redis.client.exists(stack.keys.userMcpServers('dyn-user'))).toBe(0);

    const completion = await stack.fetch('/v1/chat/completions', {
      method: 'POST',
      userId: 'dyn-user',
      body: JSON.stringify({ model: STACK_MODEL, mcp_server_ids: ['dyn-tools'], messages: [{ role: 'user', content: 'use my tools' }] }),
    });
    expect(((await completion.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('Echo: from dynamo');
  });

  it('lists and removes the server through the table; another user sees nothing', async () => {
    const bob = (await (await stack.fetch('/v1/list/mcp_server', { userId: 'dyn-bob' })).json()) as { servers: Array<{ server_id: string }> };
    expect(bob.servers.map((server) => server.server_id)).not.toContain('dyn-tools');
    const removed = await stack.fetch('/v1/remove/mcp_server/dyn-tools', { method: 'DELETE', userId: 'dyn-user' });
    expect((await removed.json()).errno).toBe(0);
    expect(JSON.stringify((await item('dyn-user')) ?? {})).not.toContain('dyn-tools');
  });
});
