import { WS_CLOSE_CODES } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SERVICE_KEY, startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';
import { echoScript } from '../testing/scripted-turn-worker.js';

// One abusive user or stranger must not exhaust a shared gateway: each cap refuses with a clear error.
let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({
    env: {
      RATE_LIMIT_PER_MINUTE: '1000',
      MAX_MESSAGES_PER_REQUEST: '5',
      MAX_IMAGES_PER_REQUEST: '2',
      MAX_DOCUMENTS_PER_REQUEST: '1',
      MAX_CONCURRENT_TURNS_PER_USER: '2',
      MCP_SERVER_STARTS_PER_MINUTE: '2',
      MCP_SERVER_LISTINGS_PER_MINUTE: '3',
      WS_PREAUTH_MAX_BYTES: '1024',
      WS_MAX_UNAUTHENTICATED: '3',
    },
  });
});
afterAll(async () => {
  await h?.close();
});

const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const image = { type: 'image_url', image_url: { url: PIXEL } };
const file = { type: 'file', file: { file_data: Buffer.from('hello').toString('base64'), filename: 'a.txt' } };
const chat = (messages: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ model: TEST_MODEL, messages, ...extra });
const post = (user: string, body: string) => h.request('/v1/chat/completions', { method: 'POST', body, user });

/** Reads the current rate-limit window's start, after waiting out a window about to end (the tests count within one). */
async function windowWithRoom(): Promise<void> {
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_100 - intoWindow));
}

describe('request size: messages, images and documents per request', () => {
  it('answers 400 naming `messages` when there are more messages than MAX_MESSAGES_PER_REQUEST', async () => {
    const messages = Array.from({ length: 6 }, (_, index) => ({ role: index % 2 ? 'assistant' : 'user', content: `m${index}` }));
    const res = await post('counts', chat(messages));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid_request', param: 'messages', message: expect.stringContaining('limit of 5') });
    // At the limit it is accepted.
    expect((await post('counts', chat(messages.slice(0, 5)))).status).toBe(200);
  });

  it('answers 400 naming the first image or file part past MAX_IMAGES_PER_REQUEST / MAX_DOCUMENTS_PER_REQUEST, over all messages', async () => {
    const images = await post('counts', chat([{ role: 'user', content: [image, image] }, { role: 'assistant', content: 'ok' }, { role: 'user', content: [{ type: 'text', text: 'and' }, image] }]));
    expect(images.status).toBe(400);
    expect((await images.json()).error).toMatchObject({ param: 'messages[2].content[1]', message: expect.stringContaining('more than 2 images') });
    const documents = await post('counts', chat([{ role: 'user', content: [{ type: 'text', text: 'two files' }, file, file] }]));
    expect(documents.status).toBe(400);
    expect((await documents.json()).error).toMatchObject({ param: 'messages[0].content[2]', message: expect.stringContaining('more than 1 documents') });
    expect((await post('counts', chat([{ role: 'user', content: [image, image, file] }]))).status).toBe(200);
  });
});

describe('request size over the chat WebSocket', () => {
  it('answers an error frame for too many messages or images, and the socket stays usable', async () => {
    const client = await authenticated('ws-counts');
    const send = (requestId: string, messages: unknown[]) => client.socket.send(JSON.stringify({ type: 'chat', requestId, body: { model: TEST_MODEL, messages } }));
    send('many', Array.from({ length: 6 }, () => ({ role: 'user', content: 'x' })));
    await expect.poll(() => client.frames.find((frame) => frame.includes('limit of 5'))).toContain('"invalid_request"');
    send('images', [{ role: 'user', content: [image, image, image] }]);
    await expect.poll(() => client.frames.find((frame) => frame.includes('more than 2 images'))).toContain('"requestId":"images"');
    send('fine', [{ role: 'user', content: 'hi' }]);
    await expect.poll(() => client.frames.some((frame) => frame.includes('"accepted"') && frame.includes('"fine"'))).toBe(true);
    client.socket.close();
  });
});

describe('concurrent turns per user', () => {
  it('answers 429 while the user has MAX_CONCURRENT_TURNS_PER_USER turns running or queued, and admits again once one ends', async () => {
    await windowWithRoom();
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    h.worker.script = async (job, emit) => {
      if (job.userId === 'busy') await gate;
      await echoScript(job, emit);
    };
    const body = chat([{ role: 'user', content: 'hold on' }], { stream: true });
    const first = await post('busy', body);
    const second = await post('busy', body);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await post('busy', body);
    expect(third.status).toBe(429);
    expect((await third.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', message: expect.stringContaining('MAX_CONCURRENT_TURNS_PER_USER=2') });
    // The slots are in Redis, shared by every gateway replica; another user is not affected.
    expect(await h.testRedis.client.zcard(h.turnKeys.userActiveTurns('busy'))).toBe(2);
    expect((await post('not-busy', chat([{ role: 'user', content: 'hi' }]))).status).toBe(200);
    // One client walks away: its turn still ends (and frees its slot) without anyone reading it.
    await first.body?.cancel();
    openGate();
    await second.text();
    await expect.poll(() => h.testRedis.client.zcard(h.turnKeys.userActiveTurns('busy'))).toBe(0);
    expect((await post('busy', chat([{ role: 'user', content: 'again' }]))).status).toBe(200);
    h.worker.script = echoScript;
  });

  it('holds no slot for a refused request: ten refusals in a row leave the user free to chat', async () => {
    for (let i = 0; i < 10; i++) expect((await post('refused', chat([{ role: 'user', content: 'x' }], { mcp_server_ids: ['nope'] }))).status).toBeGreaterThanOrEqual(400);
    expect(await h.testRedis.client.zcard(h.turnKeys.userActiveTurns('refused'))).toBe(0);
  });
});

describe('MCP server routes per user per minute', () => {
  it('answers 429 past MCP_SERVER_STARTS_PER_MINUTE for adds and tool listings together', async () => {
    await windowWithRoom();
    const add = () => h.request('/v1/add/mcp_server', { method: 'POST', body: JSON.stringify({ server_id: 'mine', command: 'mcp-server-everything', args: [] }), user: 'adder' });
    const tools = () => h.request('/v1/mcp_servers/cot/tools', { user: 'adder' });
    // The pool is unreachable here: the first two fail on their own, the third is not even tried.
    expect((await add()).status).not.toBe(429);
    expect((await tools()).status).not.toBe(429);
    for (const res of [await add(), await tools()]) {
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await res.json()).error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('Rate limit of 2 MCP server adds and tool listings per minute') });
    }
    expect(await h.store.list('adder')).toEqual([]);
    // Another user has their own budget.
    expect((await h.request('/v1/mcp_servers/cot/tools', { user: 'other-adder' })).status).not.toBe(429);
  });

  it('answers 429 past MCP_SERVER_LISTINGS_PER_MINUTE for the listing with live status', async () => {
    await windowWithRoom();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.request('/v1/mcp_servers', { user: 'lister' })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // The plain listing (no pool call) is not limited.
    expect((await h.request('/v1/list/mcp_server', { user: 'lister' })).status).toBe(200);
  });
});

/** A raw WebSocket that records how it closed. */
function open(): { socket: WebSocket; opened: Promise<void>; closed: Promise<number>; frames: string[] } {
  const socket = new WebSocket(h.wsUrl);
  const frames: string[] = [];
  socket.on('message', (data) => frames.push(data.toString()));
  socket.on('error', () => undefined);
  return {
    socket,
    frames,
    opened: new Promise((resolve) => socket.once('open', () => resolve())),
    closed: new Promise((resolve) => socket.once('close', (code) => resolve(code))),
  };
}

async function authenticated(user: string) {
  const client = open();
  await client.opened;
  client.socket.send(JSON.stringify({ type: 'auth', apiKey: SERVICE_KEY, userId: user }));
  await expect.poll(() => client.frames.some((frame) => frame.includes('"ready"'))).toBe(true);
  return client;
}

describe('chat WebSocket before authentication', () => {
  it('closes with 1009 a socket that sends more than WS_PREAUTH_MAX_BYTES before authenticating; after auth such frames are fine', async () => {
    const stranger = open();
    await stranger.opened;
    stranger.socket.send(JSON.stringify({ type: 'auth', apiKey: 'k'.repeat(4096) }));
    expect(await stranger.closed).toBe(WS_CLOSE_CODES.messageTooBig);
    // A frame as large as an authenticated user may send (16 MiB here) is cut off while it arrives.
    const flooder = open();
    await flooder.opened;
    const started = Date.now();
    flooder.socket.send(Buffer.alloc(16 * 1024 * 1024, 0x61));
    expect(await flooder.closed).toBe(WS_CLOSE_CODES.messageTooBig);
    expect(Date.now() - started).toBeLessThan(3000);

    const user = await authenticated('big-frames');
    user.socket.send(JSON.stringify({ type: 'chat', requestId: 'r1', body: { model: TEST_MODEL, messages: [{ role: 'user', content: 'x'.repeat(8192) }] } }));
    await expect.poll(() => user.frames.some((frame) => frame.includes('"accepted"'))).toBe(true);
    user.socket.close();
  });

  it('closes with 1013 sockets (chat or voice) beyond WS_MAX_UNAUTHENTICATED waiting to authenticate, while authenticated ones work', async () => {
    const member = await authenticated('member');
    const waiting = [open(), open(), open()];
    await Promise.all(waiting.map((client) => client.opened));
    const extra = open();
    expect(await extra.closed).toBe(WS_CLOSE_CODES.tryAgainLater);
    // The voice socket shares the gateway's places: it is refused the same way before its ticket is even read.
    const voice = new WebSocket(h.voiceUrl({ ticket: 'A'.repeat(43) }));
    voice.on('error', () => undefined);
    expect(await new Promise((resolve) => voice.once('close', resolve))).toBe(WS_CLOSE_CODES.tryAgainLater);
    member.socket.send(JSON.stringify({ type: 'ping' }));
    await expect.poll(() => member.frames.some((frame) => frame.includes('"pong"'))).toBe(true);
    // One waiting socket leaves: a newcomer gets its place.
    waiting[0]!.socket.close();
    await waiting[0]!.closed;
    const newcomer = await authenticated('newcomer');
    for (const client of [member, newcomer, ...waiting]) client.socket.close();
  });
});
