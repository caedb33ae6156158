import { createHistoryKeys } from '@bedrock-mcp/turns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, createUserKey } from './support/admin-cli.js';
import { readSse } from './support/sse.js';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';
import { ChatSocket } from './support/ws-client.js';

let stack: Stack;
let aliceKey: string;

beforeAll(async () => {
  stack = await startStack({ label: 'isolation' });
  stack.emulator.script([
    { when: { lastUserText: 'alice secret' }, reply: { text: 'Noted, Alice.' } },
    { when: { lastUserText: 'slow reply' }, reply: { text: 'slowly '.repeat(40), chunkCount: 40, chunkDelayMs: 50 } },
    { reply: { text: 'ok' } },
  ]);
  aliceKey = await createUserKey(stack, 'alice');
  const added = await stack.fetch('/v1/add/mcp_server', {
    method: 'POST',
    userId: 'alice',
    body: JSON.stringify({ server_id: 'alice-tools', server_desc: 'Alice tools', command: 'mcp-server-everything', args: ['stdio'] }),
  });
  expect((await added.json()).errno).toBe(0);
});
afterAll(async () => {
  await stack?.stop();
});

const chatBody = (content: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content }], ...extra });

describe('user isolation', () => {
  it('B cannot list, use or remove A’s servers', async () => {
    const listed = (await (await stack.fetch('/v1/list/mcp_server', { userId: 'bob' })).json()) as { servers: Array<{ server_id: string }> };
    expect(listed.servers.map((server) => server.server_id)).not.toContain('alice-tools');
    const detail = (await (await stack.fetch('/v1/mcp_servers', { userId: 'bob' })).json()) as { servers: Array<{ server_id: string }> };
    expect(detail.servers.map((server) => server.server_id)).not.toContain('alice-tools');

    const use = await stack.fetch('/v1/chat/completions', { method: 'POST', userId: 'bob', body: chatBody('hi', { mcp_server_ids: ['alice-tools'] }) });
    expect(use.status).toBe(400);
    expect((await use.json()).error).toMatchObject({ param: 'mcp_server_ids[0]', message: expect.stringContaining('alice-tools') });
    expect((await stack.fetch('/v1/mcp_servers/alice-tools/tools', { userId: 'bob' })).status).toBe(404);

    const removal = await stack.fetch('/v1/remove/mcp_server/alice-tools', { method: 'DELETE', userId: 'bob' });
    expect(removal.status).toBe(404);
    const stillThere = (await (await stack.fetch('/v1/list/mcp_server', { userId: 'alice' })).json()) as { servers: Array<{ server_id: string }> };
    expect(stillThere.servers.map((server) => server.server_id)).toContain('alice-tools');
  });

  it('B cannot stop or resume A’s turn, over REST or WebSocket', async () => {
    const res = await stack.fetch('/v1/chat/completions', { method: 'POST', userId: 'alice', body: chatBody('slow reply', { stream: true }) });
    const turnId = res.headers.get('x-stream-id')!;
    const reading = readSse(res);

    expect((await stack.fetch(`/v1/stop/stream/${turnId}`, { method: 'POST', userId: 'bob' })).status).toBe(403);
    expect((await stack.fetch(`/v1/chat/completions/${turnId}/stream`, { userId: 'bob' })).status).toBe(403);
    const bob = await ChatSocket.connect(stack.wsUrl, stack.apiKey, 'bob');
    bob.send({ type: 'resume', turnId, afterSeq: 0 });
    expect((await bob.next('error')).error.code).toBe('forbidden');
    bob.send({ type: 'stop', turnId });
    expect((await bob.next('error', (frame) => bob.frames.filter((f) => f.type === 'error').indexOf(frame) === 1)).error.code).toBe('forbidden');
    expect(bob.events(turnId)).toEqual([]);
    bob.close();

    const events = await reading;
    const last = JSON.parse(events.at(-2)!.data) as { choices: Array<{ finish_reason: string }> };
    expect(last.choices[0]?.finish_reason).toBe('stop');
  });

  it('B cannot read or remove A’s history', async () => {
    await (await stack.fetch('/v1/chat/completions', { method: 'POST', userId: 'alice', body: chatBody('alice secret', { keep_session: true }) })).json();
    await (await stack.fetch('/v1/remove/history', { method: 'POST', userId: 'bob' })).json();
    expect(await stack.redis.client.llen(createHistoryKeys(stack.keys.prefix).history({ userId: 'alice', conversationId: null }))).toBeGreaterThan(0);

    await (await stack.fetch('/v1/chat/completions', { method: 'POST', userId: 'bob', body: chatBody('what did alice say', { keep_session: true }) })).json();
    expect(JSON.stringify(stack.emulator.requests.at(-1)!.body)).not.toContain('alice secret');
  });

  it('a per-user key (from the admin CLI) acts only for its user', async () => {
    const own = await fetch(`${stack.baseUrl}/list/mcp_server`, { headers: { authorization: `Bearer ${aliceKey}` } });
    expect(((await own.json()) as { servers: Array<{ server_id: string }> }).servers.map((server) => server.server_id)).toContain('alice-tools');
    const impersonation = await fetch(`${stack.baseUrl}/list/mcp_server`, { headers: { authorization: `Bearer ${aliceKey}`, 'x-user-id': 'bob' } });
    expect(impersonation.status).toBe(403);
    expect((await impersonation.json()).error.code).toBe('forbidden');

    const listing = await adminCli(stack, ['list-keys', '--user', 'alice']);
    expect(listing).toMatch(/^[0-9a-f]{12} {2}alice /m);
    expect(listing).not.toContain(aliceKey);
    const keyId = listing.split(/\s+/)[0]!;
    await adminCli(stack, ['revoke-key', '--id', keyId]);
    expect((await fetch(`${stack.baseUrl}/models`, { headers: { authorization: `Bearer ${aliceKey}` } })).status).toBe(401);
  });

  it('a service key without X-User-ID acts as a user derived from the key, never the key itself', async () => {
    const res = await stack.fetch('/v1/chat/completions', { method: 'POST', body: chatBody('hello', {}) });
    expect(res.status).toBe(200);
    const turnId = ((await res.json()) as { id: string }).id;
    const owner = await stack.redis.client.hget(stack.turnKeys.turnMeta(turnId), 'userId');
    expect(owner).toMatch(/^key-[0-9a-f]{12}$/);
    expect(owner).not.toContain(stack.apiKey);
  });
});
