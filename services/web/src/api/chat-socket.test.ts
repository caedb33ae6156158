// @vitest-environment node
import { WS_CLOSE_CODES, WsClientFrameSchema, type StreamEvent, type WsClientFrame, type WsServerFrame } from '@bedrock-mcp/contracts';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { AnswerError, ChatSocket, chatSocketUrl, type ChatSocketError, type ChatSocketState, type WebSocketLike } from './chat-socket.js';

const TURN_ID = 'chatcmpl-sockettest1';
const events: StreamEvent[] = [
  { type: 'start', turnId: TURN_ID, seq: 1, ts: 1, model: 'm', userId: 'alice' },
  { type: 'round_start', turnId: TURN_ID, seq: 2, ts: 2, round: 1 },
  { type: 'text_delta', turnId: TURN_ID, seq: 3, ts: 3, text: 'Hel' },
  { type: 'text_delta', turnId: TURN_ID, seq: 4, ts: 4, text: 'lo' },
  { type: 'text_delta', turnId: TURN_ID, seq: 5, ts: 5, text: '!' },
  { type: 'done', turnId: TURN_ID, seq: 6, ts: 6, finishReason: 'end_turn' },
];

interface Connection {
  socket: WebSocket;
  frames: WsClientFrame[];
}

const GOOD_COOKIE = 'bmcp_session=good-session';

/**
 * A WebSocket server speaking the gateway's chat protocol with a scripted turn: a socket whose
 * upgrade carries the good session cookie is ready at once; any other is closed as unauthorized.
 */
async function startProtocolServer(options: { dropAfterSeq?: number; withholdReady?: boolean; swallowAnswers?: boolean } = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws/chat' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const connections: Connection[] = [];
  const send = (socket: WebSocket, frame: WsServerFrame) => socket.send(JSON.stringify(frame));
  server.on('connection', (socket, request) => {
    const connection: Connection = { socket, frames: [] };
    connections.push(connection);
    if (request.headers.cookie !== GOOD_COOKIE) socket.close(WS_CLOSE_CODES.unauthorized, 'The session expired: sign in again');
    else if (!options.withholdReady) send(socket, { type: 'ready', userId: 'alice' });
    socket.on('message', (data: Buffer) => {
      const frame = WsClientFrameSchema.parse(JSON.parse(data.toString('utf8')));
      connection.frames.push(frame);
      if (frame.type === 'chat') {
        send(socket, { type: 'accepted', requestId: frame.requestId, turnId: TURN_ID });
        for (const event of events) {
          if (options.dropAfterSeq !== undefined && event.seq > options.dropAfterSeq && connections.length === 1) {
            socket.terminate();
            return;
          }
          send(socket, { type: 'event', event });
        }
      } else if (frame.type === 'resume') {
        for (const event of events.filter((candidate) => candidate.seq > frame.afterSeq)) send(socket, { type: 'event', event });
      } else if (frame.type === 'answer') {
        // As the gateway: an ask answered already is refused, naming the turn; anything else is recorded.
        const late = frame.answers.approvals.some((answer) => answer.id === 'ask_answered_already');
        if (late) send(socket, { type: 'error', turnId: frame.turnId, error: { code: 'conflict', message: 'ask_answered_already was answered already' } });
        else if (!options.swallowAnswers) send(socket, { type: 'answered', turnId: frame.turnId });
      } else if (frame.type === 'ping') {
        send(socket, { type: 'pong' });
      }
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws/chat`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

function createListener() {
  const received: StreamEvent[] = [];
  const accepted: Array<[string, string]> = [];
  const errors: ChatSocketError[] = [];
  const states: ChatSocketState[] = [];
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  return {
    received,
    accepted,
    errors,
    states,
    listener: {
      onEvent: (event: StreamEvent) => {
        received.push(event);
        notify();
      },
      onAccepted: (requestId: string, turnId: string) => {
        accepted.push([requestId, turnId]);
        notify();
      },
      onError: (error: ChatSocketError) => {
        errors.push(error);
        notify();
      },
      onStateChange: (state: ChatSocketState) => {
        states.push(state);
        notify();
      },
    },
    async until(condition: () => boolean, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

/** As a browser does: the session cookie goes with the upgrade. */
const withCookie =
  (cookie = GOOD_COOKIE) =>
  (url: string) =>
    new WebSocket(url, { headers: { cookie } }) as unknown as WebSocketLike;
const createWebSocket = withCookie();
const body = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('ChatSocket', () => {
  it('opens /ws/chat on the page\'s own origin, wss: for an https: page', () => {
    expect(chatSocketUrl({ protocol: 'http:', host: 'localhost:3000' })).toBe('ws://localhost:3000/ws/chat');
    expect(chatSocketUrl({ protocol: 'https:', host: 'chat.example.com' })).toBe('wss://chat.example.com/ws/chat');
  });

  it('sends no auth frame: queues the chat until the gateway says ready, and delivers its events', async () => {
    const server = await startProtocolServer();
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket }, probe.listener);
    cleanups.push(() => socket.close());
    socket.sendChat('req-1', body);
    socket.start();
    await probe.until(() => probe.received.length === events.length);
    expect(server.connections[0]?.frames.map((frame) => frame.type)).toEqual(['chat']);
    expect(probe.accepted).toEqual([['req-1', TURN_ID]]);
    expect(probe.received.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(probe.states).toEqual(['connecting', 'ready']);
  });

  it('reconnects after a dropped socket and resumes the turn after the last event it delivered', async () => {
    const server = await startProtocolServer({ dropAfterSeq: 3 });
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket, reconnectDelaysMs: [20] }, probe.listener);
    cleanups.push(() => socket.close());
    socket.start();
    socket.sendChat('req-1', body);
    await probe.until(() => probe.received.some((event) => event.type === 'done'));
    expect(server.connections).toHaveLength(2);
    expect(server.connections[1]?.frames).toEqual([{ type: 'resume', turnId: TURN_ID, afterSeq: 3 }]);
    expect(probe.received.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(probe.states).toEqual(['connecting', 'ready', 'reconnecting', 'ready']);
    expect(probe.errors).toEqual([]);
  });

  it('resume() follows a turn from a given seq (a page reload)', async () => {
    const server = await startProtocolServer();
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket }, probe.listener);
    cleanups.push(() => socket.close());
    socket.resume(TURN_ID, 4);
    socket.start();
    await probe.until(() => probe.received.length === 2);
    expect(probe.received.map((event) => event.seq)).toEqual([5, 6]);
    expect(server.connections[0]?.frames.map((frame) => frame.type)).toEqual(['resume']);
  });

  it('stops reconnecting when the gateway refuses the session, and fails queued chats', async () => {
    const server = await startProtocolServer();
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket: withCookie('bmcp_session=expired'), reconnectDelaysMs: [10] }, probe.listener);
    cleanups.push(() => socket.close());
    socket.sendChat('req-9', body);
    socket.start();
    await probe.until(() => probe.states.includes('auth_failed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.connections).toHaveLength(1);
    expect(probe.errors).toEqual([{ requestId: 'req-9', code: 'unauthorized', message: 'The session expired: sign in again' }]);
    expect(server.connections[0]?.frames).toEqual([]);
    expect(socket.currentState).toBe('auth_failed');
  });

  it('answers asks: resolves on answered, and a refused answer rejects without ending the turn', async () => {
    const server = await startProtocolServer();
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket }, probe.listener);
    cleanups.push(() => socket.close());
    socket.resume(TURN_ID, 6);
    // Queued until ready, then sent.
    const answered = socket.answer(TURN_ID, { approvals: [{ id: 'ask_approve0001', decision: 'approve', remember: 'conversation' }] });
    socket.start();
    await expect(answered).resolves.toBeUndefined();
    const refused = socket.answer(TURN_ID, { approvals: [{ id: 'ask_answered_already', decision: 'deny' }] });
    await expect(refused).rejects.toEqual(new AnswerError('conflict', 'ask_answered_already was answered already'));
    expect(server.connections[0]?.frames).toEqual([
      { type: 'resume', turnId: TURN_ID, afterSeq: 6 },
      { type: 'answer', turnId: TURN_ID, answers: { approvals: [{ id: 'ask_approve0001', decision: 'approve', remember: 'conversation' }], elicitations: [] } },
      { type: 'answer', turnId: TURN_ID, answers: { approvals: [{ id: 'ask_answered_already', decision: 'deny' }], elicitations: [] } },
    ]);
    // Not reported as the turn's failure, and the turn is still followed: a reconnect resumes it.
    expect(probe.errors).toEqual([]);
  });

  it('rejects an answer whose reply the dropped connection took with it', async () => {
    const server = await startProtocolServer({ swallowAnswers: true });
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket, reconnectDelaysMs: [5000] }, probe.listener);
    cleanups.push(() => socket.close());
    socket.start();
    await probe.until(() => probe.states.includes('ready'));
    const pending = socket.answer(TURN_ID, { elicitations: [{ id: 'ask_elicit00001', action: 'decline' }] });
    await probe.until(() => server.connections[0]!.frames.length === 1);
    server.connections[0]!.socket.terminate();
    await expect(pending).rejects.toMatchObject({ code: 'connection_lost' });
  });

  it('reports an answer the gateway never confirms as failed, after answerTimeoutMs', async () => {
    const server = await startProtocolServer({ swallowAnswers: true });
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket, answerTimeoutMs: 150 }, probe.listener);
    cleanups.push(() => socket.close());
    socket.start();
    const started = Date.now();
    await expect(socket.answer(TURN_ID, { approvals: [{ id: 'ask_approve0001', decision: 'approve' }] })).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(socket.currentState).toBe('ready');
  });

  it('reports a chat that was sent but not accepted when the connection drops', async () => {
    const server = await startProtocolServer();
    cleanups.push(server.close);
    server.connections.length = 0;
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket, reconnectDelaysMs: [5000] }, probe.listener);
    cleanups.push(() => socket.close());
    socket.start();
    await probe.until(() => probe.states.includes('ready'));
    // The server swallows this chat, then the connection drops.
    server.connections[0]!.socket.removeAllListeners('message');
    socket.sendChat('req-lost', body);
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.connections[0]!.socket.terminate();
    await probe.until(() => probe.errors.length === 1);
    expect(probe.errors[0]).toMatchObject({ requestId: 'req-lost', code: 'connection_lost' });
  });

  it('replaces a socket on which the gateway never says ready', async () => {
    const server = await startProtocolServer({ withholdReady: true });
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket({ url: server.url, createWebSocket, readyTimeoutMs: 50, reconnectDelaysMs: [10] }, probe.listener);
    cleanups.push(() => socket.close());
    socket.start();
    await probe.until(() => server.connections.length >= 2);
    expect(probe.states.slice(0, 2)).toEqual(['connecting', 'reconnecting']);
  });

  it('replaces a socket that went silent', async () => {
    const server = await startProtocolServer();
    cleanups.push(server.close);
    const probe = createListener();
    const socket = new ChatSocket(
      { url: server.url, createWebSocket, pingIntervalMs: 40, pongTimeoutMs: 40, reconnectDelaysMs: [10] },
      probe.listener,
    );
    cleanups.push(() => socket.close());
    socket.start();
    await probe.until(() => probe.states.includes('ready'));
    // The first connection stops answering anything (as a dead NAT mapping would).
    server.connections[0]!.socket.removeAllListeners('message');
    await probe.until(() => server.connections.length === 2 && probe.states.filter((state) => state === 'ready').length === 2);
    expect(probe.states).toContain('reconnecting');
  });
});
