import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { APPROVAL_REQUIRED_FINISH_REASON, type OpenAiApprovalRequest } from '@bedrock-mcp/contracts';
import { contentsByPrefix, freePort, TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './support/service-process.js';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';

/**
 * Request-scoped remote MCP servers (issue #20 part 4): a chat request brings its own server as a
 * Responses-API `{"type": "mcp"}` tool. server-everything over streamable HTTP on loopback, behind
 * a small proxy that refuses requests without the request's Authorization header; loopback is
 * allowed for the pool (MCP_ALLOWED_URL_RANGES=127.0.0.1/32) and nothing else private is.
 */
const USER = 'remote-user';
const SECRET = 'Bearer remote-secret-7f3a9c';

let stack: Stack;
let client: OpenAI;
let everything: ChildProcess;
let proxy: Server;
let proxyUrl = '';
/** Authorization headers the proxy saw, in order. */
const seenAuthorizations: (string | undefined)[] = [];

type ApprovalChoice = OpenAI.ChatCompletion.Choice & { message: { approval_requests?: OpenAiApprovalRequest[] } };

async function startEverything(): Promise<number> {
  const port = await freePort();
  everything = spawn(join(PROJECT_ROOT, 'node_modules/.bin/mcp-server-everything'), ['streamableHttp'], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  everything.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  everything.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let waited = 0; !/listening on port|running on port/i.test(output); waited += 50) {
    if (waited > 15_000 || everything.exitCode !== null) throw new Error(`server-everything did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return port;
}

/** Forwards to server-everything only requests that carry SECRET as their Authorization. */
async function startAuthorizingProxy(targetPort: number): Promise<void> {
  proxy = createServer((req, res) => {
    seenAuthorizations.push(req.headers.authorization);
    if (req.headers.authorization !== SECRET) {
      req.resume();
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
}

function remoteTool(extra: Record<string, unknown> = {}) {
  return { type: 'mcp', server_label: 'remote', server_url: proxyUrl, headers: { Authorization: SECRET }, ...extra };
}

function ask(content: string, tools: unknown[] | undefined, extra: Record<string, unknown> = {}): Promise<OpenAI.ChatCompletion> {
  const params = { model: STACK_MODEL, messages: [{ role: 'user', content }], ...(tools ? { tools } : {}), ...extra };
  return client.chat.completions.create(params as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
}

/** The tool names the model was offered in the (last) model request whose last user message is `text`. */
function offeredTools(text: string): string[] {
  const matching = stack.emulator.requests.filter((recorded) => JSON.stringify(recorded).includes(text));
  const last = matching.at(-1);
  if (last?.provider !== 'bedrock') throw new Error(`no Bedrock request for '${text}'`);
  return (last.body?.toolConfig?.tools ?? []).flatMap((tool) => (tool.toolSpec?.name ? [tool.toolSpec.name] : []));
}

async function poolMetrics(): Promise<string> {
  return (await fetch(`${stack.poolUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_INTERNAL_API_KEY}` } })).text();
}

function metricValue(metrics: string, pattern: RegExp): number {
  const match = pattern.exec(metrics);
  return match ? Number(match[1]) : 0;
}

beforeAll(async () => {
  await startAuthorizingProxy(await startEverything());
  stack = await startStack({ label: 'remote-mcp', logLevel: 'debug', poolEnv: { MCP_ALLOWED_URL_RANGES: '127.0.0.1/32' } });
  client = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, defaultHeaders: { 'X-User-ID': USER }, maxRetries: 0 });
  stack.emulator.script([
    { when: { lastUserText: 'remote echo please' }, reply: { toolUses: [{ name: 'req-remote__echo', input: { message: 'over the wire' } }] } },
    { when: { lastUserText: 'remote echo without the server' }, reply: { toolUses: [{ name: 'req-remote__echo', input: { message: 'over the wire' } }] } },
    { when: { lastUserText: 'list the offered tools' }, reply: { text: 'listed' } },
    { when: { afterToolResult: 'req-remote__echo' }, reply: (context) => ({ text: `Remote said: ${context.lastToolResultText}` }) },
  ]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  if (everything?.pid !== undefined && everything.exitCode === null) {
    const exited = new Promise((resolve) => everything.once('exit', resolve));
    process.kill(-everything.pid, 'SIGKILL');
    await exited;
  }
});

describe('a request-scoped remote MCP server (tools: [{type: "mcp"}])', () => {
  it('is used by the model with the request headers, then closed and gone', async () => {
    const turnEnded = /mcp_pool_evictions_total\{reason="turn_ended"[^}]*\} (\d+)/;
    const endedBefore = metricValue(await poolMetrics(), turnEnded);
    const completion = await ask('remote echo please', [remoteTool()]);
    expect(completion.choices[0]?.message.content).toBe('Remote said: Echo: over the wire');
    expect(seenAuthorizations.length).toBeGreaterThan(0);
    expect(seenAuthorizations.every((authorization) => authorization === SECRET)).toBe(true);

    // The pool closed the turn's connection when the turn ended: nothing of the user runs there.
    await expect.poll(async () => metricValue(await poolMetrics(), turnEnded), { timeout: 5000 }).toBe(endedBefore + 1);
    expect(await poolMetrics()).not.toMatch(new RegExp(`mcp_pool_user_running_servers\\{[^}]*user_id="${USER}"[^}]*\\} [1-9]`));
    // Never among the user's servers.
    const servers = await stack.fetch('/v1/mcp_servers', { userId: USER });
    expect(servers.status).toBe(200);
    expect(await servers.text()).not.toContain('req-remote');

    // A later request without it cannot call it.
    const before = seenAuthorizations.length;
    const later = await ask('remote echo without the server', undefined);
    expect(later.choices[0]?.message.content).not.toContain('Echo: over the wire');
    expect(offeredTools('remote echo without the server')).toEqual([]);
    expect(seenAuthorizations.length).toBe(before);
  });

  it('offers only allowed_tools', async () => {
    await ask('list the offered tools, all of them', [remoteTool()]);
    const all = offeredTools('list the offered tools, all of them');
    expect(all).toContain('req-remote__echo');
    expect(all.length).toBeGreaterThan(2);

    await ask('list the offered tools, one', [remoteTool({ allowed_tools: ['echo'] })]);
    expect(offeredTools('list the offered tools, one')).toEqual(['req-remote__echo']);
    await ask('list the offered tools, by tool_names', [remoteTool({ allowed_tools: { tool_names: ['echo', 'get-sum'] } })]);
    expect(offeredTools('list the offered tools, by tool_names').sort()).toEqual(['req-remote__echo', 'req-remote__get-sum']);
  });

  it('pauses for approval under its require_approval, then runs the approved call', async () => {
    const paused = await ask('remote echo please', [remoteTool({ require_approval: 'always' })]);
    const choice = paused.choices[0] as ApprovalChoice;
    expect(choice.finish_reason).toBe(APPROVAL_REQUIRED_FINISH_REASON);
    const asked = choice.message.approval_requests?.[0];
    expect(asked).toMatchObject({ type: 'mcp_approval_request', server_label: 'req-remote', name: 'echo' });

    // The paused turn waits in Redis (its resume job carries the request's server): its headers only sealed.
    const held = await contentsByPrefix(stack.redis.client, stack.redis.prefix);
    expect(held).toMatch(new RegExp(`${paused.id}.*req-remote.*enc:v1:`));
    expect(held).not.toContain('remote-secret');

    const answered = await stack.fetch(`/v1/turns/${paused.id}/approvals`, { method: 'POST', userId: USER, body: JSON.stringify({ approvals: [{ id: asked!.id, decision: 'approve' }] }) });
    expect(answered.status).toBe(200);
    const completion = (await answered.json()) as OpenAI.ChatCompletion;
    expect(completion.choices[0]?.message.content).toBe('Remote said: Echo: over the wire');
  });

  it('refuses a private or loopback address the settings do not allow with a 400, before the turn starts', async () => {
    const requestsBefore = stack.emulator.requests.length;
    for (const serverUrl of [`http://127.0.0.2:${new URL(proxyUrl).port}/mcp`, 'http://169.254.169.254/mcp', 'http://10.1.2.3/mcp']) {
      const refused = await ask('remote echo please', [{ type: 'function', function: { name: 'noop' } }, remoteTool({ server_url: serverUrl })]).catch((error: unknown) => error);
      expect(refused, serverUrl).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools[1].server_url');
      expect((refused as Error).message).toMatch(/MCP_ALLOWED_URL_RANGES/);
    }
    expect(stack.emulator.requests.length).toBe(requestsBefore);
  });

  it('refuses bad entries with a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'mcp', server_label: 'remote' }, 'tools[0].server_url'],
      [remoteTool({ server_label: 'not a label!' }), 'tools[0].server_label'],
      [remoteTool({ server_url: 'ftp://example.com/mcp' }), 'tools[0].server_url'],
      [remoteTool({ headers: { 'bad header': 'x' } }), 'tools[0].headers.bad header'],
    ];
    for (const [entry, param] of cases) {
      const refused = await ask('remote echo please', [entry]).catch((error: unknown) => error);
      expect(refused, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    }
    const twice = await ask('remote echo please', [remoteTool(), remoteTool()]).catch((error: unknown) => error);
    expect((twice as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools[1].server_label');
    const clash = await ask('remote echo please', [remoteTool({ server_label: 'everything' })], { mcp_server_ids: ['req-everything'] }).catch((error: unknown) => error);
    expect((clash as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools[0].server_label');
  });

  // Last, so the log files hold every request above, refused ones included.
  it('keeps its headers out of every event and log line', async () => {
    const stream = await client.chat.completions.create({ model: STACK_MODEL, messages: [{ role: 'user', content: 'remote echo please' }], stream: true, tools: [remoteTool()] } as unknown as OpenAI.ChatCompletionCreateParamsStreaming);
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(JSON.stringify(chunk));
    expect(chunks.join('')).toContain('Echo: over the wire');
    expect(chunks.join('')).not.toContain('remote-secret');
    const logs = readdirSync(stack.dir).filter((name) => name.endsWith('.log'));
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const name of logs) expect(readFileSync(join(stack.dir, name), 'utf8'), name).not.toContain('remote-secret');
  });
});
