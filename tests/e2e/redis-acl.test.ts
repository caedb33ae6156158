import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisKeys } from '@bedrock-mcp/common';
import { freePort } from '@bedrock-mcp/test-support';
import { createHistoryKeys, createTurnKeys } from '@bedrock-mcp/turns';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpolate, loadCompose } from '../deploy/deploy-files.js';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';

// Issue #15 item 4: the Redis ACL of docker-compose.yml (the chart defines the same users, see
// tests/deploy/redis-acl.test.ts), run on a real redis-server, with the real services as
// processes signing in as their own users (`redis://<user>:<password>@host`, ioredis and BullMQ).

const prefix = `acl${randomBytes(3).toString('hex')}:`;
const passwords = { gateway: randomBytes(16).toString('hex'), 'agent-worker': randomBytes(16).toString('hex'), 'mcp-pool': randomBytes(16).toString('hex') };
let redisServer: ChildProcess;
let dataDir: string;
let port: number;
let stack: Stack;
const urlOf = (user: keyof typeof passwords) => `redis://${user}:${passwords[user]}@127.0.0.1:${port}`;
const connections: Redis[] = [];
const connect = (url: string) => {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
  connections.push(redis);
  return redis;
};

beforeAll(async () => {
  port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'redis-acl-'));
  const env: Record<string, string> = {
    REDIS_PREFIX: prefix,
    REDIS_GATEWAY_PASSWORD: passwords.gateway,
    REDIS_AGENT_WORKER_PASSWORD: passwords['agent-worker'],
    REDIS_MCP_POOL_PASSWORD: passwords['mcp-pool'],
  };
  const [command, ...args] = (loadCompose().services.redis!.command as string[]).map((arg) => interpolate(arg, env));
  // The compose rules as they are, on a private port and without persistence (later arguments win).
  redisServer = spawn(command!, [...args, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', username: 'probe', password: 'probe', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  for (let attempt = 0; ; attempt++) {
    if (await probe.connect().then(() => probe.ping(), () => undefined)) break;
    if (attempt > 50) throw new Error('redis-server with the compose ACL did not start');
    probe.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  probe.disconnect();
  stack = await startStack({
    label: 'redis-acl',
    env: { REDIS_PREFIX: prefix },
    gatewayEnv: { REDIS_URL: urlOf('gateway') },
    workerEnv: { REDIS_URL: urlOf('agent-worker') },
    poolEnv: { REDIS_URL: urlOf('mcp-pool') },
  });
}, 180_000);

afterAll(async () => {
  for (const redis of connections) redis.disconnect();
  await stack?.stop();
  redisServer?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const chat = (userId: string, content: string, extra: Record<string, unknown> = {}) =>
  stack.fetch('/v1/chat/completions', { method: 'POST', userId, body: JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content }], ...extra }) });

describe('the platform on a Redis with one ACL user per component', () => {
  it('runs turns end to end: queue, stream events, history, a user-added server, tools', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'use my tool' }, reply: { toolUses: [{ name: 'mine__echo', input: { message: 'through the acl' } }] } },
      { reply: { text: 'done' } },
    ]);
    const added = await stack.fetch('/v1/add/mcp_server', { method: 'POST', userId: 'alice', body: JSON.stringify({ server_id: 'mine', server_desc: 'mine', command: 'mcp-server-everything', args: ['stdio'] }) });
    expect((await added.json()).errno).toBe(0);
    const first = await chat('alice', 'use my tool', { mcp_server_ids: ['mine'], keep_session: true });
    expect(first.status).toBe(200);
    const body = (await first.json()) as { choices: Array<{ message: { content: string }; message_extras?: { tool_use?: unknown[] } }> };
    expect(body.choices[0]!.message.content).toBe('done');
    expect(JSON.stringify(body.choices[0]!.message_extras?.tool_use)).toContain('Echo: through the acl');
    // The next turn loads the history the worker saved; clearing it goes through the gateway's user.
    expect((await chat('alice', 'again', { keep_session: true })).status).toBe(200);
    const history = await connect(urlOf('agent-worker')).llen(createHistoryKeys(prefix).history({ userId: 'alice', conversationId: null }));
    expect(history).toBeGreaterThanOrEqual(4);
    expect((await stack.fetch('/v1/remove/history', { method: 'POST', userId: 'alice', body: '{}' })).status).toBe(200);
    // A named conversation's history (its keys under the same `user:*:history*` pattern): saved and locked by the worker, removed by the gateway.
    const conversation = { userId: 'alice', conversationId: 'acl-kept' };
    expect((await chat('alice', 'in a conversation', { keep_session: true, conversation_id: 'acl-kept' })).status).toBe(200);
    expect(await connect(urlOf('agent-worker')).llen(createHistoryKeys(prefix).history(conversation))).toBe(2);
    // The worker recorded both turns' questions and answers in the user's conversations (`user:*:conversation*` keys).
    expect(await connect(urlOf('agent-worker')).llen(createRedisKeys(prefix).conversationMessages('alice', 'acl-kept'))).toBe(2);
    expect(await connect(urlOf('agent-worker')).llen(createRedisKeys(prefix).conversationMessages('alice', 'default'))).toBe(4);
    expect((await stack.fetch('/v1/remove/history', { method: 'POST', userId: 'alice', body: JSON.stringify({ conversation_id: 'acl-kept' }) })).status).toBe(200);
    expect(await connect(urlOf('agent-worker')).exists(createHistoryKeys(prefix).history(conversation))).toBe(0);
    // The worker released each turn's concurrent-turn slot (a slot it cannot release would block the user until it expires).
    await expect.poll(() => connect(urlOf('gateway')).zcard(createTurnKeys(prefix).userActiveTurns('alice'))).toBe(0);
  });

  it('pauses a turn for approval, remembers the tool for the conversation, and resumes it after the answer', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'echo with approval' }, reply: { toolUses: [{ name: 'mine__echo', input: { message: 'approved through the acl' } }] } },
      { when: { afterToolResult: 'mine__echo' }, reply: (context) => ({ text: `Tool said: ${context.lastToolResultText}` }) },
    ]);
    const request = { mcp_server_ids: ['mine'], require_approval: 'always', conversation_id: 'acl-conversation' };
    const paused = (await (await chat('alice', 'echo with approval', request)).json()) as { id: string; choices: Array<{ finish_reason: string; message: { approval_requests: Array<{ id: string }> } }> };
    expect(paused.choices[0]!.finish_reason).toBe('approval_required');
    const answered = await stack.fetch(`/v1/turns/${paused.id}/approvals`, {
      method: 'POST',
      userId: 'alice',
      body: JSON.stringify({ approvals: [{ id: paused.choices[0]!.message.approval_requests[0]!.id, decision: 'approve', remember: 'conversation' }] }),
    });
    expect(((await answered.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Tool said: Echo: approved through the acl');
    // Remembered by the worker under its own ACL user: the next turn of the conversation runs without asking.
    const again = (await (await chat('alice', 'echo with approval', request)).json()) as { choices: Array<{ finish_reason: string }> };
    expect(again.choices[0]!.finish_reason).toBe('stop');
  });

  it('refuses the default user, and each component outside its keys and commands', async () => {
    const keys = createRedisKeys(prefix);
    const turnKeys = createTurnKeys(prefix);
    await expect(connect(`redis://127.0.0.1:${port}`).get(keys.userApiKeys())).rejects.toThrow(/NOAUTH/);
    await expect(connect(`redis://default:x@127.0.0.1:${port}`).ping()).rejects.toThrow(/WRONGPASS/);

    const pool = connect(urlOf('mcp-pool'));
    await expect(pool.hgetall(keys.userMcpServers('alice'))).resolves.toHaveProperty('mine');
    for (const key of [createHistoryKeys(keys.prefix).history({ userId: 'alice', conversationId: null }), keys.userApiKeys(), turnKeys.turnLog('chatcmpl-x'), `${keys.bullPrefix}:chat:wait`]) {
      await expect(pool.type(key), key).rejects.toThrow(/NOPERM/);
    }
    await expect(pool.subscribe(turnKeys.turnChannel('chatcmpl-x'))).rejects.toThrow(/NOPERM/);

    const worker = connect(urlOf('agent-worker'));
    for (const key of [keys.userApiKeys(), keys.userMcpServers('alice'), keys.poolOwner('alice')]) await expect(worker.type(key), key).rejects.toThrow(/NOPERM/);

    const gateway = connect(urlOf('gateway'));
    await expect(gateway.get('another-deployment:key')).rejects.toThrow(/NOPERM/);
    for (const command of [['flushall'], ['config', 'get', 'maxmemory'], ['keys', '*'], ['debug', 'sleep', '0'], ['acl', 'list']]) {
      // DEBUG is also off in the server (enable-debug-command no), which answers first.
      await expect(gateway.call(command[0]!, ...command.slice(1)), command.join(' ')).rejects.toThrow(/NOPERM|DEBUG command not allowed/);
    }
  });

  it('has a memory cap and never evicts', async () => {
    const info = await connect(urlOf('gateway')).info('memory');
    expect(info).toMatch(/maxmemory_policy:noeviction/);
    expect(Number(/maxmemory:(\d+)/.exec(info)![1])).toBe(512 * 1024 * 1024);
  });
});
