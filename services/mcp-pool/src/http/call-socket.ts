import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@bedrock-mcp/common';
import { CALL_SOCKET_PATH, CallSocketClientFrameSchema, formatIssuePath, type CallSocketServerFrame } from '@bedrock-mcp/contracts';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { callerGone, type ToolCallDispatcher } from '../calls/tool-call-dispatcher.js';

export interface CallSocketServerOptions {
  dispatcher: ToolCallDispatcher;
  /** Largest accepted frame (bytes), as the HTTP API's largest body. */
  maxPayloadBytes: number;
  logger: Logger;
}

/** Policy violation: a frame that is not the contract (the caller has a bug; its calls end). */
const CLOSE_BAD_FRAME = 1008;
const CLOSE_GOING_AWAY = 1001;

/**
 * The call socket (contracts/pool-api.ts): tool calls for users this replica owns, many at once
 * per connection, each answered by frames carrying its id. A tool call through it costs a frame
 * each way instead of an HTTP request and response (~0.3 ms less per call, bench/mcp-pool).
 * Users owned elsewhere get `reroute`: their calls take the HTTP routes, which forward them.
 */
export class CallSocketServer {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<WebSocket, Map<number, AbortController>>();
  private accepting = true;

  constructor(private readonly options: CallSocketServerOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false });
  }

  /** Takes an HTTP upgrade: CALL_SOCKET_PATH while accepting; 404 for other paths, 503 while shutting down. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const onPath = (req.url ?? '').split('?')[0] === CALL_SOCKET_PATH;
    if (!onPath || !this.accepting) {
      socket.end(`HTTP/1.1 ${onPath ? '503 Service Unavailable' : '404 Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
  }

  /** Refuses new sockets and closes idle ones; sockets with calls in flight close as their last call ends. */
  stopAccepting(): void {
    this.accepting = false;
    for (const [ws, calls] of this.sockets) if (calls.size === 0) ws.close(CLOSE_GOING_AWAY, 'mcp-pool shutting down');
  }

  /** Drops every socket left (their calls are cancelled). */
  close(): void {
    this.accepting = false;
    for (const ws of this.sockets.keys()) ws.terminate();
    this.wss.close();
  }

  private serve(ws: WebSocket): void {
    const calls = new Map<number, AbortController>();
    this.sockets.set(ws, calls);
    ws.on('message', (data, isBinary) => this.onFrame(ws, calls, data, isBinary));
    ws.on('error', (error) => this.options.logger.warn({ err: error }, 'call socket error'));
    ws.on('close', () => {
      this.sockets.delete(ws);
      for (const call of calls.values()) call.abort(callerGone('disconnected'));
    });
  }

  private onFrame(ws: WebSocket, calls: Map<number, AbortController>, data: RawData, isBinary: boolean): void {
    let json: unknown;
    try {
      json = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      json = undefined;
    }
    const parsed = CallSocketClientFrameSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const reason = json === undefined ? 'frames must be JSON text' : `${formatIssuePath(issue?.path ?? []) || 'frame'}: ${issue?.message ?? 'invalid'}`;
      this.options.logger.warn({ reason }, 'closed a call socket that sent a frame outside the contract');
      ws.close(CLOSE_BAD_FRAME, reason.slice(0, 120));
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'cancel') return void calls.get(frame.id)?.abort(callerGone('cancelled'));
    if (calls.has(frame.id)) return send(ws, { type: 'error', id: frame.id, error: { code: 'invalid_request', message: `call id ${frame.id} is already in flight` } });
    const { dispatcher } = this.options;
    if (!this.accepting || !dispatcher.servesHere(frame.userId)) return send(ws, { type: 'reroute', id: frame.id });
    const abort = new AbortController();
    const { id } = frame;
    calls.set(id, abort);
    void dispatcher
      .dispatch(frame.userId, frame.request, {
        signal: abort.signal,
        onProgress: ({ type, ...progress }) => send(ws, { type, id, ...progress }),
        onElicitation: (line) => send(ws, { ...line, id }),
      })
      .then((outcome) => {
        calls.delete(id);
        if (outcome.type === 'result') send(ws, { type: outcome.type, id, result: outcome.result, durationMs: outcome.durationMs });
        else if (outcome.type === 'error') send(ws, { type: outcome.type, id, error: outcome.error });
        if (!this.accepting && calls.size === 0) ws.close(CLOSE_GOING_AWAY, 'mcp-pool shutting down');
      });
  }
}

function send(ws: WebSocket, frame: CallSocketServerFrame): void {
  ws.send(JSON.stringify(frame));
}
