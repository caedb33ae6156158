import { createHash, randomBytes } from 'node:crypto';
import {
  ConversationListSchema,
  ConversationSchema,
  ConversationSummarySchema,
  WsServerFrameSchema,
  type ChatJob,
  type ConversationChange,
  type ConversationMessage,
  type WsServerFrame,
} from '@bedrock-mcp/contracts';
import { createHistoryKeys } from '@bedrock-mcp/turns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SERVICE_KEY, startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';
import { echoScript, type TurnScript } from '../testing/scripted-turn-worker.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ env: { RATE_LIMIT_PER_MINUTE: '1000', CONVERSATION_MAX_BYTES: String(64 * 1024) } });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  releaseAll();
  h.worker.script = echoScript;
});

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string; param: string | null } } });
const uniqueUser = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const post = (path: string, body: unknown, user = 'alice') => h.request(path, { method: 'POST', body: JSON.stringify(body), user });
const chat = (body: Record<string, unknown>, user: string) =>
  post('/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'hello world' }], stream: true, ...body }, user);

/** Turns the held script keeps running until released. */
const held = new Map<string, () => void>();
const heldScript: TurnScript = async (job, emit) => {
  await emit({ type: 'start', model: job.model, userId: job.userId });
  await new Promise<void>((resolve) => held.set(job.turnId, resolve));
  await emit({ type: 'text_delta', text: 'done holding' });
  await emit({ type: 'done', finishReason: 'end_turn' });
};
function releaseAll(): void {
  for (const release of held.values()) release();
  held.clear();
}
async function waitForHeld(turnId: string): Promise<void> {
  await expect.poll(() => held.has(turnId)).toBe(true);
}

let seq = 0;
const message = (role: 'user' | 'assistant', parts: ConversationMessage['parts'], turnId: string): ConversationMessage => ({
  id: `msg_${(seq += 1).toString().padStart(8, '0')}`,
  role,
  created_at: Date.UTC(2026, 0, 2, 3, 4, 5),
  turn_id: turnId,
  parts,
});
const blobOf = (data: Buffer, mediaType: string) => ({ blobId: createHash('sha256').update(data).digest('hex'), mediaType, data });

/** Records one exchange as the agent worker does (startTurn, finishTurn). */
async function seedExchange(userId: string, conversationId: string, question: string, answer: ConversationMessage['parts'] = [{ type: 'text', text: `answer to ${question}` }], blobs: ReturnType<typeof blobOf>[] = []) {
  const turnId = `chatcmpl-${randomBytes(9).toString('base64url')}`;
  await h.conversations.startTurn(userId, conversationId, {
    turnId,
    message: message('user', [{ type: 'text', text: question }], turnId),
    blobs: [],
    model: TEST_MODEL,
    mcpServerIds: [],
    replaceLast: false,
    now: Date.now(),
  });
  await h.conversations.finishTurn(userId, conversationId, { message: { ...message('assistant', answer, turnId), model: TEST_MODEL }, blobs, now: Date.now() });
  return turnId;
}

/** A chat socket of `user` that keeps every frame. */
class Socket {
  readonly frames: WsServerFrame[] = [];
  readonly ws: WebSocket;
  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => this.frames.push(WsServerFrameSchema.parse(JSON.parse(data.toString()))));
  }

  static async open(user: string, url = h.wsUrl): Promise<Socket> {
    const socket = new Socket(url);
    await new Promise((resolve, reject) => socket.ws.once('open', resolve).once('error', reject));
    socket.ws.send(JSON.stringify({ type: 'auth', apiKey: SERVICE_KEY, userId: user }));
    await expect.poll(() => socket.frames.some((frame) => frame.type === 'ready')).toBe(true);
    return socket;
  }

  changes(): Array<Extract<WsServerFrame, { type: 'conversation' }>['change']> {
    return this.frames.flatMap((frame) => (frame.type === 'conversation' ? [frame.change] : []));
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.close();
    await closed;
  }
}

describe('POST /v1/conversations', () => {
  it('creates one with the client’s id or a made one (201), refuses an id the caller has (409), a bad body (400) and no key (401)', async () => {
    const user = uniqueUser('ann');
    const created = await json(await post('/v1/conversations', { id: 'trip-plans', title: 'Trip', model: TEST_MODEL, mcp_server_ids: ['cot'] }, user));
    expect(created.status).toBe(201);
    expect(ConversationSummarySchema.parse(created.body)).toMatchObject({ id: 'trip-plans', object: 'conversation', title: 'Trip', title_source: 'user', model: TEST_MODEL, mcp_server_ids: ['cot'], message_count: 0, active_turn_id: null });
    const made = await json(await post('/v1/conversations', {}, user));
    expect(made.status).toBe(201);
    expect(made.body.id).toMatch(/^conv_[A-Za-z0-9_-]+$/);
    const again = await json(await post('/v1/conversations', { id: 'trip-plans' }, user));
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict', param: 'id' } } });
    // Another user's ids are theirs: no clash.
    expect((await post('/v1/conversations', { id: 'trip-plans' }, uniqueUser('bob'))).status).toBe(201);
    expect(await json(await post('/v1/conversations', { id: 'not ok!' }, user))).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', param: 'id' } } });
    expect((await post('/v1/conversations', { id: 'x', colour: 'red' }, user)).status).toBe(400);
    expect((await h.request('/v1/conversations', { method: 'POST', body: '{}', key: '' })).status).toBe(401);
  });
});

describe('GET /v1/conversations', () => {
  it('lists the caller’s newest first, in pages by cursor, searchable; 400 for a bad cursor or limit, 401 without a key', async () => {
    const user = uniqueUser('cat');
    for (const [id, title] of [
      ['c1', 'Gardening tips'],
      ['c2', 'Tax questions'],
      ['c3', 'Garden party'],
    ]) {
      await post('/v1/conversations', { id, title }, user);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await seedExchange(user, 'c2', 'what about the zucchini deduction?');
    const first = ConversationListSchema.parse((await json(await h.request('/v1/conversations?limit=2', { user }))).body);
    expect(first.data.map((conversation) => conversation.id)).toEqual(['c2', 'c3']);
    expect(first.next_cursor).not.toBeNull();
    const second = ConversationListSchema.parse((await json(await h.request(`/v1/conversations?limit=2&cursor=${encodeURIComponent(first.next_cursor!)}`, { user }))).body);
    expect(second.data.map((conversation) => conversation.id)).toEqual(['c1']);
    expect(second.next_cursor).toBeNull();
    const garden = ConversationListSchema.parse((await json(await h.request('/v1/conversations?q=GARDEN', { user }))).body);
    expect(garden.data.map((conversation) => conversation.id).sort()).toEqual(['c1', 'c3']);
    const zucchini = ConversationListSchema.parse((await json(await h.request('/v1/conversations?q=zucchini', { user }))).body);
    expect(zucchini.data.map((conversation) => conversation.id)).toEqual(['c2']);

    expect(await json(await h.request('/v1/conversations?cursor=not-one-of-ours', { user }))).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', param: 'cursor' } } });
    expect(await json(await h.request('/v1/conversations?limit=0', { user }))).toMatchObject({ status: 400, body: { error: { param: 'limit' } } });
    expect((await h.request('/v1/conversations', { key: '' })).status).toBe(401);
  });
});

describe('GET /v1/conversations/{id}', () => {
  it('answers the summary and the last page of messages with first_index; 404 for an unknown id, 400 for a bad query', async () => {
    const user = uniqueUser('dan');
    for (const question of ['one', 'two', 'three']) await seedExchange(user, 'paged', question);
    const whole = ConversationSchema.parse((await json(await h.request('/v1/conversations/paged', { user }))).body);
    expect(whole).toMatchObject({ id: 'paged', message_count: 6, first_index: 0, active_turn_id: null, title_source: 'first_message' });
    expect(whole.messages.map((entry) => entry.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    const last = ConversationSchema.parse((await json(await h.request('/v1/conversations/paged?message_limit=2', { user }))).body);
    expect(last.first_index).toBe(4);
    expect(last.messages[0]?.parts).toEqual([{ type: 'text', text: 'three' }]);
    const before = ConversationSchema.parse((await json(await h.request('/v1/conversations/paged?message_limit=2&before=4', { user }))).body);
    expect(before.first_index).toBe(2);
    expect(await json(await h.request('/v1/conversations/nope', { user }))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await h.request('/v1/conversations/paged?message_limit=0', { user })).status).toBe(400);
    expect((await h.request('/v1/conversations/bad%20id', { user })).status).toBe(400);
    expect((await h.request('/v1/conversations/paged', { key: '' })).status).toBe(401);
  });
});

describe('PATCH /v1/conversations/{id}', () => {
  it('renames (title_source user), 404 for an unknown one, 400 for an empty or bad body', async () => {
    const user = uniqueUser('eve');
    await seedExchange(user, 'named', 'name me');
    const patched = await json(await h.request('/v1/conversations/named', { method: 'PATCH', body: JSON.stringify({ title: '  Renamed  ' }), user }));
    expect(patched.status).toBe(200);
    expect(ConversationSummarySchema.parse(patched.body)).toMatchObject({ title: 'Renamed', title_source: 'user', message_count: 2 });
    expect((await h.request('/v1/conversations/unknown', { method: 'PATCH', body: JSON.stringify({ title: 'x' }), user })).status).toBe(404);
    expect((await h.request('/v1/conversations/named', { method: 'PATCH', body: '{}', user })).status).toBe(400);
    expect((await h.request('/v1/conversations/named', { method: 'PATCH', body: JSON.stringify({ title: '' }), user })).status).toBe(400);
    expect((await h.request('/v1/conversations/named', { method: 'PATCH', body: JSON.stringify({ title: 'x' }), key: '' })).status).toBe(401);
  });
});

describe('export and blobs', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const html = Buffer.from('<script>alert(1)</script>');

  it('exports the whole conversation as JSON or a Markdown transcript, as an attachment with a safe filename', async () => {
    const user = uniqueUser('fay');
    const image = blobOf(png, 'image/png');
    await seedExchange(user, 'exported', 'draw me', [
      { type: 'thinking', text: 'Let me think', redacted: false },
      { type: 'text', text: 'Here it is' },
      {
        type: 'tool_call',
        tool_use_id: 'tu_1',
        name: 'paint__draw',
        input: { shape: 'circle' },
        status: 'done',
        result: { content: [{ type: 'text', text: 'drew ``` it' }, { type: 'image', blob: { blob_id: image.blobId, media_type: 'image/png', bytes: png.length } }], is_error: false },
      },
    ], [image]);
    await h.request('/v1/conversations/exported', { method: 'PATCH', body: JSON.stringify({ title: 'Ünïcode "quotes"/../ path' }), user });

    const asJson = await h.request('/v1/conversations/exported/export', { user });
    expect(asJson.status).toBe(200);
    expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
    expect(asJson.headers.get('content-disposition')).toBe('attachment; filename="Unicode-quotes-path.json"');
    const exported = ConversationSchema.parse(await asJson.json());
    expect(exported).toMatchObject({ id: 'exported', first_index: 0, message_count: 2 });
    expect(exported.messages).toHaveLength(2);

    const asMarkdown = await h.request('/v1/conversations/exported/export?format=markdown', { user });
    expect(asMarkdown.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(asMarkdown.headers.get('content-disposition')).toBe('attachment; filename="Unicode-quotes-path.md"');
    const text = await asMarkdown.text();
    expect(text).toContain('# Ünïcode "quotes"/../ path');
    expect(text).toMatch(/## User · 2026-01-02T03:04:05\.000Z/);
    expect(text).toContain('## Assistant');
    expect(text).toContain('> **Thinking**');
    expect(text).toContain('### Tool call: `paint__draw` (done)');
    expect(text).toContain('```json\n{\n  "shape": "circle"\n}\n```');
    // A fence longer than the backticks inside the result.
    expect(text).toContain('````text\ndrew ``` it\n````');
    expect(text).toContain(`![tool result image](/v1/conversations/exported/blobs/${image.blobId})`);

    expect((await h.request('/v1/conversations/exported/export?format=pdf', { user })).status).toBe(400);
    expect((await h.request('/v1/conversations/missing/export', { user })).status).toBe(404);
    expect((await h.request('/v1/conversations/exported/export', { key: '' })).status).toBe(401);
  });

  it('serves a blob with its media type, nosniff, a sandboxing CSP and private immutable caching; only safe images inline; 404 unknown, 400 a bad id', async () => {
    const user = uniqueUser('gus');
    const image = blobOf(png, 'image/png');
    const page = blobOf(html, 'text/html');
    await seedExchange(user, 'files', 'files', [{ type: 'text', text: 'x' }], [image, page]);
    const shown = await h.request(`/v1/conversations/files/blobs/${image.blobId}`, { user });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toBe('image/png');
    expect(shown.headers.get('x-content-type-options')).toBe('nosniff');
    expect(shown.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(shown.headers.get('content-disposition')).toBeNull();
    expect(Buffer.from(await shown.arrayBuffer())).toEqual(png);
    const downloaded = await h.request(`/v1/conversations/files/blobs/${page.blobId}`, { user });
    expect(downloaded.headers.get('content-type')).toMatch(/^text\/html/);
    expect(downloaded.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(downloaded.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(await downloaded.text()).toBe(html.toString());
    expect((await h.request(`/v1/conversations/files/blobs/${'0'.repeat(64)}`, { user })).status).toBe(404);
    expect((await h.request('/v1/conversations/files/blobs/not-a-hash', { user })).status).toBe(400);
    expect((await h.request(`/v1/conversations/files/blobs/${image.blobId}`, { key: '' })).status).toBe(401);
  });
});

describe('DELETE /v1/conversations/{id}', () => {
  it('stops its running turn, removes the record, its history and its approved tools (204); 404 after, and for an unknown one', async () => {
    const user = uniqueUser('hal');
    await seedExchange(user, 'doomed', 'hello');
    const historyKeys = createHistoryKeys(h.keys.prefix);
    await h.testRedis.client.rpush(historyKeys.history({ userId: user, conversationId: 'doomed' }), '{}');
    await h.testRedis.client.sadd(h.turnKeys.conversationApprovals(user, 'doomed'), 'srv/tool');
    await h.testRedis.client.sadd(h.turnKeys.conversationApprovals(user, 'kept'), 'srv/tool');
    h.worker.script = heldScript;
    const running = await chat({ conversation_id: 'doomed' }, user);
    const turnId = running.headers.get('x-stream-id')!;
    await waitForHeld(turnId);

    const socket = await Socket.open(user);
    const deleted = await h.request('/v1/conversations/doomed', { method: 'DELETE', user });
    expect(deleted.status).toBe(204);
    expect(await h.testRedis.client.exists(h.turnKeys.turnCancel(turnId))).toBe(1);
    expect(await h.conversations.summary(user, 'doomed')).toBeUndefined();
    expect(await h.testRedis.client.exists(historyKeys.history({ userId: user, conversationId: 'doomed' }))).toBe(0);
    expect(await h.testRedis.client.exists(h.turnKeys.conversationApprovals(user, 'doomed'))).toBe(0);
    expect(await h.testRedis.client.exists(h.turnKeys.conversationApprovals(user, 'kept'))).toBe(1);
    await expect.poll(() => socket.changes().map((change) => change.change)).toContain('deleted');
    releaseAll();
    await running.text();

    expect((await h.request('/v1/conversations/doomed', { method: 'DELETE', user })).status).toBe(404);
    expect((await h.request('/v1/conversations/doomed', { user })).status).toBe(404);
    expect((await h.request('/v1/conversations/doomed', { method: 'DELETE', key: '' })).status).toBe(401);
    await socket.close();
  });

  it('clears keep_session’s own history scope for the default conversation', async () => {
    const user = uniqueUser('ida');
    await seedExchange(user, 'default', 'hello');
    const historyKeys = createHistoryKeys(h.keys.prefix);
    await h.testRedis.client.rpush(historyKeys.history({ userId: user, conversationId: null }), '{}');
    expect((await h.request('/v1/conversations/default', { method: 'DELETE', user })).status).toBe(204);
    expect(await h.testRedis.client.exists(historyKeys.history({ userId: user, conversationId: null }))).toBe(0);
  });
});

describe('isolation', () => {
  it('another user cannot list, read, export, read a file of, rename or delete a conversation (404, never 403); chatting with its id makes their own', async () => {
    const alice = uniqueUser('alice');
    const bob = uniqueUser('bob');
    const image = blobOf(Buffer.from('secret image bytes'), 'image/png');
    await seedExchange(alice, 'private', 'my secret', [{ type: 'text', text: 'kept' }], [image]);
    h.worker.script = heldScript;
    const running = await chat({ conversation_id: 'private' }, alice);
    const aliceTurn = running.headers.get('x-stream-id')!;
    await waitForHeld(aliceTurn);

    expect(ConversationListSchema.parse((await json(await h.request('/v1/conversations?q=secret', { user: bob }))).body).data).toEqual([]);
    for (const path of ['/v1/conversations/private', '/v1/conversations/private/export', `/v1/conversations/private/blobs/${image.blobId}`]) {
      expect((await h.request(path, { user: bob })).status, path).toBe(404);
    }
    expect((await h.request('/v1/conversations/private', { method: 'PATCH', body: JSON.stringify({ title: 'mine now' }), user: bob })).status).toBe(404);
    expect((await h.request('/v1/conversations/private', { method: 'DELETE', user: bob })).status).toBe(404);
    // Bob's turn with the same id is his own conversation: not refused by Alice's running turn, and it does not touch hers.
    const bobs = await chat({ conversation_id: 'private', messages: [{ role: 'user', content: 'bob here' }] }, bob);
    expect(bobs.status).toBe(200);
    const bobTurn = bobs.headers.get('x-stream-id')!;
    await waitForHeld(bobTurn);
    const bobJob = h.worker.jobs.find((job) => job.turnId === bobTurn)!;
    expect(bobJob).toMatchObject({ userId: bob, conversationId: 'private', keepSession: true });
    expect(await h.testRedis.client.exists(h.turnKeys.turnCancel(aliceTurn))).toBe(0);

    const aliceView = ConversationSchema.parse((await json(await h.request('/v1/conversations/private', { user: alice }))).body);
    expect(aliceView).toMatchObject({ title: 'my secret', message_count: 2, active_turn_id: aliceTurn });
    releaseAll();
    await Promise.all([running.text(), bobs.text()]);
  });
});

describe('chat turns in conversations', () => {
  it('sends the worker only [system, latest user] with server-side history, the conversation and replace_last; keep_session alone is the default conversation', async () => {
    const user = uniqueUser('jo');
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'old question' },
      { role: 'assistant', content: 'old answer' },
      { role: 'user', content: 'new question' },
    ];
    const named = await chat({ conversation_id: 'chat-a', messages, replace_last: true, stream: false }, user);
    expect(named.status).toBe(200);
    const namedJob = h.worker.jobs.find((job) => job.turnId === named.headers.get('x-stream-id'))!;
    expect(namedJob).toMatchObject({ conversationId: 'chat-a', keepSession: true, replaceLast: true });
    expect(namedJob.messages).toEqual([messages[0], messages[3]]);

    const session = await chat({ keep_session: true, messages, stream: false }, user);
    const sessionJob: ChatJob = h.worker.jobs.find((job) => job.turnId === session.headers.get('x-stream-id'))!;
    expect(sessionJob.keepSession).toBe(true);
    expect(sessionJob.conversationId).toBeUndefined();
    expect(sessionJob.replaceLast).toBeUndefined();
    expect(sessionJob.messages).toEqual([messages[0], messages[3]]);

    // Without either, the request's messages go as they came.
    const plain = await chat({ messages, stream: false }, user);
    expect(h.worker.jobs.find((job) => job.turnId === plain.headers.get('x-stream-id'))!.messages).toEqual(messages);
    expect((await chat({ replace_last: true, stream: false }, user)).status).toBe(400);
  });

  it('refuses a second turn while one runs in the conversation (409 naming it, over HTTP and the WebSocket); other conversations run in parallel; the claim goes with the turn', async () => {
    const user = uniqueUser('kim');
    await post('/v1/conversations', { id: 'busy' }, user);
    h.worker.script = heldScript;
    const socket = await Socket.open(user);
    const first = await chat({ conversation_id: 'busy' }, user);
    const firstTurn = first.headers.get('x-stream-id')!;
    await waitForHeld(firstTurn);
    await expect.poll(() => socket.changes()).toContainEqual(expect.objectContaining({ conversation_id: 'busy', change: 'turn_started', turn_id: firstTurn }));

    const second = await json(await chat({ conversation_id: 'busy' }, user));
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'conflict', param: 'conversation_id' });
    expect(second.body.error?.message).toBe(`Conversation 'busy' has a turn running (${firstTurn}): wait for it to end, or stop it.`);
    socket.ws.send(JSON.stringify({ type: 'chat', requestId: 'ws-1', body: { model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }], conversation_id: 'busy' } }));
    await expect.poll(() => socket.frames.find((frame) => frame.type === 'error')).toMatchObject({ requestId: 'ws-1', error: { code: 'conflict', message: expect.stringContaining(firstTurn) } });

    const parallel = await chat({ conversation_id: 'other' }, user);
    expect(parallel.status).toBe(200);
    await waitForHeld(parallel.headers.get('x-stream-id')!);
    const busyView = ConversationSchema.parse((await json(await h.request('/v1/conversations/busy', { user }))).body);
    expect(busyView.active_turn_id).toBe(firstTurn);

    releaseAll();
    await Promise.all([first.text(), parallel.text()]);
    h.worker.script = echoScript;
    expect((await chat({ conversation_id: 'busy', stream: false }, user)).status).toBe(200);
    await socket.close();
  });

  it('refuses a turn in a conversation at CONVERSATION_MAX_BYTES (409, start a new one), and keeps taking turns elsewhere', async () => {
    const user = uniqueUser('lee');
    const big = blobOf(randomBytes(70 * 1024), 'application/octet-stream');
    await seedExchange(user, 'full', 'big file', [{ type: 'text', text: 'ok' }], [big]);
    expect((await h.conversations.summary(user, 'full'))!.size_bytes).toBeGreaterThanOrEqual(64 * 1024);
    const refused = await json(await chat({ conversation_id: 'full', stream: false }, user));
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'conflict', param: 'conversation_id' } } });
    expect(refused.body.error?.message).toMatch(/is full .*start a new conversation/);
    expect(await h.testRedis.client.exists(h.turnKeys.conversationTurn(user, 'full'))).toBe(0);
    expect((await chat({ conversation_id: 'roomy', stream: false }, user)).status).toBe(200);
  });
});

describe('conversation changes over the chat WebSocket', () => {
  it('reaches every socket of the user (both get the change), no other user’s; a closed socket leaves the registry; malformed messages are dropped', async () => {
    await h.gateway.services.conversationRelay.subscribed;
    const user = uniqueUser('mia');
    const before = h.gateway.services.conversationRelay.socketCount;
    const [first, second, stranger] = await Promise.all([Socket.open(user), Socket.open(user), Socket.open(uniqueUser('ned'))]);
    expect(h.gateway.services.conversationRelay.socketCount).toBe(before + 3);
    await h.testRedis.client.publish(h.keys.conversationChanges(), 'not json');
    await h.testRedis.client.publish(h.keys.conversationChanges(), JSON.stringify({ user_id: user, conversation_id: 'bad id!', change: 'created', at: 1 }));
    await post('/v1/conversations', { id: 'shared' }, user);
    await h.request('/v1/conversations/shared', { method: 'PATCH', body: JSON.stringify({ title: 'Shared' }), user });
    // What the agent worker publishes reaches the sockets too.
    const fromWorker: ConversationChange = { user_id: user, conversation_id: 'shared', change: 'messages_added', turn_id: 'chatcmpl-abcdefgh', at: 5 };
    await h.testRedis.client.publish(h.keys.conversationChanges(), JSON.stringify(fromWorker));
    for (const socket of [first, second]) {
      await expect.poll(() => socket.changes().map((change) => change.change)).toEqual(['created', 'updated', 'messages_added']);
      expect(socket.changes()[0]).toEqual({ conversation_id: 'shared', change: 'created', at: expect.any(Number) });
      expect(socket.changes()[2]).toEqual({ conversation_id: 'shared', change: 'messages_added', turn_id: 'chatcmpl-abcdefgh', at: 5 });
    }
    expect(stranger.changes()).toEqual([]);
    await Promise.all([first.close(), second.close(), stranger.close()]);
    await expect.poll(() => h.gateway.services.conversationRelay.socketCount).toBe(before);
  });

  it('reaches the user’s sockets on another gateway replica too', async () => {
    const peer = await h.startPeer();
    try {
      await peer.gateway.services.conversationRelay.subscribed;
      const user = uniqueUser('oli');
      const elsewhere = await Socket.open(user, peer.wsUrl);
      await post('/v1/conversations', { id: 'roaming' }, user);
      await expect.poll(() => elsewhere.changes()).toEqual([{ conversation_id: 'roaming', change: 'created', at: expect.any(Number) }]);
      await elsewhere.close();
    } finally {
      await peer.close();
    }
  });
});
