import { WS_CLOSE_CODES, WsServerFrameSchema, type StreamEvent, type WsServerFrame } from '@bedrock-mcp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { UserApiKeyStore } from '../domain/user-api-key-store.js';
import { SERVICE_KEY, startGatewayHarness, TEST_MODEL, type GatewayHarness } from '../testing/gateway-harness.js';
import { echoScript, type TurnScript } from '../testing/scripted-turn-worker.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness({ wsAuthTimeoutMs: 300 });
});
afterAll(async () => {
  await h?.close();
});

/** A test client that queues every server frame and can wait for one that matches. */
class Client {
  readonly socket: WebSocket;
  readonly frames: WsServerFrame[] = [];
  private waiters: Array<() => void> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.socket.on('message', (data) => {
      this.frames.push(WsServerFrameSchema.parse(JSON.parse(data.toString())));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async waitFor<T extends WsServerFrame>(match: (frame: WsServerFrame) => frame is T, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames.map((f) => f.type))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  events(turnId: string): StreamEvent[] {
    return this.frames.flatMap((frame) => (frame.type === 'event' && frame.event.turnId === turnId ? [frame.event] : []));
  }
}

const is =
  <K extends WsServerFrame['type']>(type: K, extra: (frame: Extract<WsServerFrame, { type: K }>) => boolean = () => true) =>
  (frame: WsServerFrame): frame is Extract<WsServerFrame, { type: K }> =>
    frame.type === type && extra(frame as Extract<WsServerFrame, { type: K }>);

async function connect(user = 'alice', apiKey = SERVICE_KEY): Promise<Client> {
  const client = new Client(h.wsUrl);
  await client.opened;
  client.send({ type: 'auth', apiKey, userId: user });
  await client.waitFor(is('ready'));
  return client;
}

const chatFrame = (requestId: string, content = 'hello socket') => ({ type: 'chat', requestId, body: { model: TEST_MODEL, messages: [{ role: 'user', content }] } });

describe('chat WebSocket', () => {
  it('closes with 4401 without an auth frame in time, or when the first frame is not auth', async () => {
    const silent = new Client(h.wsUrl);
    await silent.opened;
    expect((await silent.closed).code).toBe(WS_CLOSE_CODES.unauthorized);
    const rude = new Client(h.wsUrl);
    await rude.opened;
    rude.send({ type: 'ping' });
    expect((await rude.closed).code).toBe(WS_CLOSE_CODES.unauthorized);
    const garbage = new Client(h.wsUrl);
    await garbage.opened;
    garbage.send('not json at all');
    expect((await garbage.closed).code).toBe(WS_CLOSE_CODES.unauthorized);
  });

  it('refuses bad keys (4401) and per-user keys naming someone else (4403)', async () => {
    const wrong = new Client(h.wsUrl);
    await wrong.opened;
    wrong.send({ type: 'auth', apiKey: 'nope' });
    expect((await wrong.closed).code).toBe(WS_CLOSE_CODES.unauthorized);
    const { apiKey } = await new UserApiKeyStore(h.testRedis.client, h.keys).create('alice');
    const impostor = new Client(h.wsUrl);
    await impostor.opened;
    impostor.send({ type: 'auth', apiKey, userId: 'bob' });
    expect((await impostor.closed).code).toBe(WS_CLOSE_CODES.forbidden);
    const ok = await connect('alice', apiKey);
    expect(ok.frames[0]).toEqual({ type: 'ready', userId: 'alice' });
    ok.socket.close();
  });

  it('runs a chat turn: accepted, then every event up to done; answers ping and reports bad frames without closing', async () => {
    h.worker.script = echoScript;
    const client = await connect();
    client.send(chatFrame('r1'));
    const accepted = await client.waitFor(is('accepted'));
    expect(accepted.requestId).toBe('r1');
    await client.waitFor(is('event', (frame) => frame.event.type === 'done'));
    const events = client.events(accepted.turnId);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === 'text_delta').map((event) => (event as { text: string }).text).join('')).toBe('You said: hello socket');
    client.send({ type: 'ping' });
    await client.waitFor(is('pong'));
    client.send({ type: 'chat', requestId: 'r2', body: { model: TEST_MODEL, messages: [] } });
    const error = await client.waitFor(is('error'));
    expect(error.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('messages') });
    client.send(chatFrame('r3', 'x'.repeat(1)));
    client.send({ ...chatFrame('r4'), body: { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] } });
    expect((await client.waitFor(is('error', (frame) => frame.requestId === 'r4'))).error.code).toBe('model_not_found');
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.close();
  });

  it('resumes a turn after a dropped connection: the missed events, then the live rest, no gap, no duplicate', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const script: TurnScript = async (job, emit) => {
      await emit({ type: 'start', model: job.model, userId: job.userId });
      await emit({ type: 'round_start', round: 1 });
      await emit({ type: 'text_delta', text: 'before the drop' });
      await gate;
      for (let i = 0; i < 20; i++) await emit({ type: 'text_delta', text: ` ${i}` });
      await emit({ type: 'done', finishReason: 'end_turn' });
    };
    h.worker.script = script;
    const first = await connect();
    first.send(chatFrame('resume-me'));
    const { turnId } = await first.waitFor(is('accepted'));
    await first.waitFor(is('event', (frame) => frame.event.type === 'text_delta'));
    const seen = first.events(turnId);
    first.socket.terminate();
    await first.closed;
    release();

    const second = await connect();
    second.send({ type: 'resume', turnId, afterSeq: seen.at(-1)!.seq });
    await second.waitFor(is('event', (frame) => frame.event.turnId === turnId && frame.event.type === 'done'));
    const all = [...seen, ...second.events(turnId)];
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    expect(all.at(-1)?.type).toBe('done');
    second.socket.close();
    h.worker.script = echoScript;
  });

  it('refuses to resume or stop another user’s turn', async () => {
    const alice = await connect('alice');
    alice.send(chatFrame('mine'));
    const { turnId } = await alice.waitFor(is('accepted'));
    const bob = await connect('bob');
    bob.send({ type: 'resume', turnId, afterSeq: 0 });
    expect((await bob.waitFor(is('error'))).error.code).toBe('forbidden');
    bob.send({ type: 'ping' });
    await bob.waitFor(is('pong'));
    bob.send({ type: 'stop', turnId });
    const stopRefused = await bob.waitFor(is('error', (frame) => bob.frames.indexOf(frame) > bob.frames.findIndex(is('pong'))));
    expect(stopRefused).toMatchObject({ turnId, error: { code: 'forbidden' } });
    expect(await h.testRedis.client.exists(h.turnKeys.turnCancel(turnId))).toBe(0);
    expect(bob.events(turnId)).toEqual([]);
    alice.socket.close();
    bob.socket.close();
  });

  it('applies backpressure to a client that stops reading: bounded buffers, nothing lost', async () => {
    const piece = 'x'.repeat(32 * 1024);
    const count = 300;
    let finished!: () => void;
    const allLogged = new Promise<void>((resolve) => (finished = resolve));
    h.worker.script = async (job, emit) => {
      await emit({ type: 'round_start', round: 1 });
      for (let i = 0; i < count; i++) await emit({ type: 'text_delta', text: piece });
      await emit({ type: 'done', finishReason: 'end_turn' });
      finished();
    };
    const client = await connect();
    client.send(chatFrame('flood'));
    const { turnId } = await client.waitFor(is('accepted'));
    const tcp = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    await allLogged;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // ~10 MB were produced; the gateway holds at most about its high-water mark for this socket.
    expect(h.gateway.ws.maxBufferedBytes()).toBeLessThan(1024 * 1024 + 2 * piece.length);
    tcp.resume();
    await client.waitFor(is('event', (frame) => frame.event.turnId === turnId && frame.event.type === 'done'), 20_000);
    const events = client.events(turnId);
    expect(events).toHaveLength(count + 2);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    client.socket.close();
    h.worker.script = echoScript;
  });

  it('terminates a socket that stops answering heartbeats', async () => {
    const quick = await startGatewayHarness({ wsHeartbeatMs: 100 });
    try {
      const lively = new WebSocket(quick.wsUrl);
      const silent = new WebSocket(quick.wsUrl, { autoPong: false });
      await Promise.all([lively, silent].map((socket) => new Promise((resolve) => socket.once('open', resolve))));
      for (const socket of [lively, silent]) socket.send(JSON.stringify({ type: 'auth', apiKey: SERVICE_KEY }));
      const closed = await new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
      expect(closed).toBe(1006);
      expect(lively.readyState).toBe(WebSocket.OPEN);
      lively.close();
    } finally {
      await quick.close();
    }
  });
});
