import { createServer, type Server } from 'node:http';
import {
  WsClientFrameSchema,
  type ConversationMessage,
  type ConversationSummary,
  type MeResponse,
  type StreamEvent,
  type WsClientFrame,
  type WsServerFrame,
} from '@bedrock-mcp/contracts';
import { WebSocketServer, type WebSocket } from 'ws';
import { listenOnLoopback, type RecordedRequest } from './http-stub.js';

const GATEWAY_ME: MeResponse = { user_id: 'local', display_name: 'Local user', auth_method: 'local', csrf_token: 'csrf-local' };
/** A 1×1 PNG: what the stand-in answers for every blob. */
export const PNG_BYTES = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

interface StoredConversation {
  summary: ConversationSummary;
  messages: ConversationMessage[];
}

export type TurnEventDraft = Record<string, unknown> & { type: StreamEvent['type'] };

/**
 * A stand-in gateway for the chat screen's conversations: the REST routes (list with q and
 * cursor, get with message_limit and before, rename, delete, blobs) over an in-memory store, and
 * a chat socket whose turns answer with `answerFor` and whose `resume` replays a turn's events.
 */
export async function startConversationGateway(conversations: Array<{ summary: ConversationSummary; messages: ConversationMessage[] }>) {
  const store = new Map<string, StoredConversation>(conversations.map((entry) => [entry.summary.id, { ...entry }]));
  const requests: RecordedRequest[] = [];
  const frames: WsClientFrame[] = [];
  /** Each turn's events so far, for `resume`. */
  const turnEvents = new Map<string, StreamEvent[]>();
  const sockets = new Set<WebSocket>();
  let turnCounter = 0;
  /** While set, a conversation read is answered from the store as it is now, but only once this resolves. */
  let readsHeld: Promise<void> | undefined;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://stub');
      const json = (status: number, answer: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      const notFound = () => json(404, { error: { message: 'no such conversation', type: 'invalid_request_error', code: 'not_found', param: null } });
      if (url.pathname === '/auth/config') return json(200, { mode: 'local' });
      if (url.pathname === '/v1/me') return json(200, GATEWAY_ME);
      if (url.pathname === '/v1/list/models') return json(200, { models: [{ model_id: 'm', model_name: 'Model M', supports_images: true }] });
      if (url.pathname === '/v1/mcp_servers') return json(200, { servers: [] });
      if (url.pathname === '/v1/conversations') {
        const q = url.searchParams.get('q')?.toLowerCase();
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const start = Number(url.searchParams.get('cursor') ?? 0);
        const all = [...store.values()]
          .filter((entry) => !q || entry.summary.title.toLowerCase().includes(q))
          .sort((a, b) => b.summary.updated_at - a.summary.updated_at);
        const page = all.slice(start, start + limit).map((entry) => entry.summary);
        return json(200, { object: 'list', data: page, next_cursor: start + limit < all.length ? String(start + limit) : null });
      }
      const match = /^\/v1\/conversations\/([^/]+)(\/blobs\/[0-9a-f]{64})?$/.exec(url.pathname);
      const entry = match ? store.get(decodeURIComponent(match[1] ?? '')) : undefined;
      if (!match) return res.writeHead(404).end();
      if (!entry) return notFound();
      if (match[2]) return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_BYTES);
      if (req.method === 'DELETE') {
        store.delete(entry.summary.id);
        return res.writeHead(204).end();
      }
      if (req.method === 'PATCH') {
        const change = JSON.parse(body) as { title?: string };
        entry.summary = { ...entry.summary, ...(change.title ? { title: change.title, title_source: 'user' as const } : {}) };
        return json(200, entry.summary);
      }
      const limit = Number(url.searchParams.get('message_limit') ?? 200);
      const before = Number(url.searchParams.get('before') ?? entry.messages.length);
      const firstIndex = Math.max(0, before - limit);
      const answer = { ...entry.summary, messages: entry.messages.slice(firstIndex, before), first_index: firstIndex };
      if (!readsHeld) return json(200, answer);
      void readsHeld.then(() => json(200, answer));
      return undefined;
    });
  });

  const socketServer = new WebSocketServer({ server, path: '/ws/chat' });
  const send = (socket: WebSocket, frame: WsServerFrame) => socket.send(JSON.stringify(frame));
  socketServer.on('connection', (socket: WebSocket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    send(socket, { type: 'ready', userId: GATEWAY_ME.user_id });
    socket.on('message', (data: Buffer) => {
      const frame = WsClientFrameSchema.parse(JSON.parse(data.toString('utf8')));
      frames.push(frame);
      if (frame.type === 'chat') {
        turnCounter += 1;
        const turnId = `chatcmpl-stubturn${String(turnCounter).padStart(4, '0')}`;
        send(socket, { type: 'accepted', requestId: frame.requestId, turnId });
        emit(turnId, { type: 'start', model: 'm', userId: GATEWAY_ME.user_id });
        emit(turnId, { type: 'text_delta', text: `Answer ${turnCounter}.` });
        emit(turnId, { type: 'done', finishReason: 'end_turn' });
      } else if (frame.type === 'resume') {
        for (const event of turnEvents.get(frame.turnId) ?? []) if (event.seq > frame.afterSeq) send(socket, { type: 'event', event });
      }
    });
  });

  /** Adds an event to a turn and sends it to every socket (a real gateway sends it to the ones following the turn). */
  function emit(turnId: string, draft: TurnEventDraft): void {
    const events = turnEvents.get(turnId) ?? [];
    const event = { ...draft, turnId, seq: events.length + 1, ts: Date.now() } as StreamEvent;
    events.push(event);
    turnEvents.set(turnId, events);
    for (const socket of sockets) send(socket, { type: 'event', event });
  }

  /** A change to one of the user's conversations, as the gateway relays it to every chat socket. */
  function announce(change: Extract<WsServerFrame, { type: 'conversation' }>['change']): void {
    for (const socket of sockets) send(socket, { type: 'conversation', change });
  }

  /** Holds the answers to conversation reads from now on (each as the store was when it was read) until the returned release is called. */
  function holdReads(): () => void {
    let release!: () => void;
    readsHeld = new Promise<void>((resolve) => (release = resolve));
    return () => {
      readsHeld = undefined;
      release();
    };
  }

  return { ...(await listenOnLoopback(server, socketServer)), store, requests, frames, emit, announce, turnEvents, holdReads };
}
