import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { freePort, startModelEmulator, type ModelEmulator } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeIsV1, composeProject, leftovers, tearDown, waitHealthy, type ComposeProject } from './compose-project.js';

// docker-compose.yml with `--profile dynamodb`, as its header and the README say: users' MCP server
// configs and conversations in DynamoDB Local, whose tables the dynamodb-init one-shot creates with the AWS CLI. Where no
// registry answers, deploy/scripts/base-images.sh made stand-ins for both images (dynalite, started
// with DynamoDB Local's own arguments; Debian's awscli): what is checked here is the compose wiring,
// the init's CLI command and the platform's DynamoDB store, not Amazon's server.

const PROJECT = 'bmcp-deploy-ddb';
const SERVICES = ['redis', 'dynamodb', 'gateway', 'agent-worker', 'mcp-pool'] as const;
const TABLE = 'mcp_user_config_table';
const CONVERSATIONS_TABLE = 'bmcp_conversations';
const MODEL = 'us.anthropic.claude-sonnet-4-6';
const API_KEY = 'deploy-test-service-key';
const USER = 'ddb-user';

let project: ComposeProject;
let emulator: ModelEmulator;
let dir: string;
let gatewayPort: number;
let client: OpenAI;

/** What the README says to put in .env for the profile, plus the model emulator standing in for Bedrock. */
function overrideFile(emulatorPort: number): string {
  const dynamo = { DDB_TABLE: TABLE, CONVERSATIONS_DDB_TABLE: CONVERSATIONS_TABLE, AWS_ENDPOINT_URL_DYNAMODB: 'http://dynamodb:8000', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', API_KEY };
  const withEmulator = { environment: { ...dynamo, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `http://host.docker.internal:${emulatorPort}` }, extra_hosts: ['host.docker.internal:host-gateway'] };
  const pool = { environment: { ...dynamo, ...(composeIsV1 ? { MCP_SANDBOX: 'none' } : {}) } };
  return JSON.stringify({ services: { gateway: withEmulator, 'agent-worker': withEmulator, 'mcp-pool': pool } }, null, 2);
}

const gateway = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${gatewayPort}${path}`, { ...init, headers: { authorization: `Bearer ${API_KEY}`, 'x-user-id': USER, 'content-type': 'application/json', ...init.headers } });

/** A table's items, read with the AWS CLI from the init's image (on the project's network). */
async function scanTable(table: string): Promise<Array<Record<string, unknown>>> {
  const out = await project.compose(['run', '--rm', '--no-deps', '--entrypoint', 'aws', 'dynamodb-init', 'dynamodb', 'scan', '--endpoint-url', 'http://dynamodb:8000', '--table-name', table, '--output', 'json']);
  return (JSON.parse(out) as { Items: Array<Record<string, unknown>> }).Items;
}

const echoChat = () =>
  client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'echo on my server' }],
    // @ts-expect-error the platform's extension
    mcp_server_ids: ['mine'],
  });

beforeAll(async () => {
  emulator = await startModelEmulator({
    host: '0.0.0.0',
    rules: [
      { when: { lastUserText: 'echo on my server' }, reply: { toolUses: [{ name: 'mine__echo', input: { message: 'from DynamoDB' } }] } },
      { when: { afterToolResult: 'mine__echo' }, reply: (context) => ({ text: `Mine said: ${context.lastToolResultText}` }) },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'bmcp-deploy-ddb-'));
  const override = join(dir, 'docker-compose.test.yml');
  writeFileSync(override, overrideFile(emulator.port));
  gatewayPort = await freePort();
  project = composeProject(PROJECT, override, {
    COMPOSE_PROFILES: 'dynamodb',
    DDB_TABLE: TABLE,
    CONVERSATIONS_DDB_TABLE: CONVERSATIONS_TABLE,
    PUBLISH_GATEWAY_PORT: String(gatewayPort),
    PUBLISH_WEB_PORT: String(await freePort()),
    ...(composeIsV1 ? { MCP_POOL_UNMASK_PROC: 'no-new-privileges' } : {}),
  });
  await project.compose(['down', '-v', '--remove-orphans']);
  // As a user starts it: every service at once, the table made by the init while the others start.
  await project.compose(['up', '-d', '--no-build', ...SERVICES, 'dynamodb-init']);
  await waitHealthy(project, SERVICES, { runningOnly: ['dynamodb'] });
  client = new OpenAI({ baseURL: `http://127.0.0.1:${gatewayPort}/v1`, apiKey: API_KEY, defaultHeaders: { 'X-User-ID': USER }, maxRetries: 0 });
}, 600_000);

afterAll(() => tearDown(project, emulator, dir), 180_000);

describe('docker compose --profile dynamodb: users\' server configs in DynamoDB Local', () => {
  it('keeps a user server in the table the init made, and the pool runs it from there', async () => {
    const added = await gateway('/v1/add/mcp_server', {
      method: 'POST',
      body: JSON.stringify({ config_json: { mcpServers: { mine: { command: 'mcp-server-everything', args: ['stdio'] } } } }),
    });
    const addedBody = await added.json();
    expect(addedBody, JSON.stringify(addedBody)).toMatchObject({ errno: 0 });

    const items = await scanTable(TABLE);
    expect(items.map((item) => item['userId'])).toEqual([{ S: USER }]);
    expect(JSON.stringify(items)).toContain('mcp-server-everything');

    expect((await echoChat()).choices[0]?.message.content).toBe('Mine said: Echo: from DynamoDB');
  });

  it('records a conversation in the conversations table the init made (CONVERSATIONS_DDB_TABLE)', async () => {
    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'echo on my server' }],
      // @ts-expect-error the platform's extensions
      mcp_server_ids: ['mine'],
      conversation_id: 'ddb-conv',
    });
    expect(chat.choices[0]?.message.content).toBe('Mine said: Echo: from DynamoDB');
    const read = async () => ((await (await gateway('/v1/conversations/ddb-conv')).json()) as { messages?: Array<{ role: string }> }).messages?.map((message) => message.role);
    await expect.poll(read, { timeout: 15_000 }).toEqual(['user', 'assistant']);
    const items = JSON.stringify(await scanTable(CONVERSATIONS_TABLE));
    expect(items).toContain(`user#${USER}`);
    expect(items).toContain('ddb-conv');
  });

  it('still has it after DynamoDB Local, the gateway and the pool restart (the table lives in its volume)', async () => {
    await project.compose(['restart', 'dynamodb', 'gateway', 'mcp-pool'], 300_000);
    await waitHealthy(project, SERVICES, { runningOnly: ['dynamodb'] });
    const listed = await gateway('/v1/list/mcp_server');
    expect(JSON.stringify(await listed.json())).toContain('"mine"');
    expect((await echoChat()).choices[0]?.message.content).toBe('Mine said: Echo: from DynamoDB');
  });

  it('leaves no containers, networks or volumes after `docker compose down -v`', async () => {
    await project.compose(['down', '-v', '--remove-orphans']);
    expect(await leftovers(PROJECT)).toEqual([]);
  });
});
