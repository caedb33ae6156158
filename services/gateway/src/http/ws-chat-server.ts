import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_CLOSE_CODES } from '@bedrock-mcp/contracts';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../domain/api-key-authenticator.js';
import type { GatewayServices } from './gateway-services.js';
import { WsChatSession } from './ws-chat-session.js';
import { refuseSocket, type PreAuthGuard } from './ws-preauth-guard.js';

const WS_CHAT_PATH = '/ws/chat';

export interface WsChatServerOptions {
  /** Milliseconds for the first (`auth`) frame. Default 10 s. */
  authTimeoutMs?: number;
  /** Milliseconds between heartbeat pings; a socket that did not answer the previous one is terminated. Default 30 s. */
  heartbeatMs?: number;
  /** Bytes queued per socket before sending waits for the client. Default 1 MiB. */
  highWaterBytes?: number;
  /** Largest accepted frame once authenticated, bytes. */
  maxPayloadBytes: number;
  /** Limits sockets and bytes before authentication. */
  preAuth: PreAuthGuard;
}

/** The chat WebSocket endpoint: upgrades on `/ws/chat`, one WsChatSession per socket, heartbeats. */
export class WsChatServer {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WsChatSession>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly services: GatewayServices,
    private readonly options: WsChatServerOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  /** The most bytes queued on any one socket right now (backpressure keeps it near highWaterBytes). */
  maxBufferedBytes(): number {
    let max = 0;
    for (const session of this.sessions) max = Math.max(max, session.bufferedBytes);
    return max;
  }

  /**
   * Takes an HTTP upgrade request; answers 404 for other paths and 503 while draining. With a
   * `principal` (a session cookie checked at the upgrade) the socket is authenticated at once.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, principal?: Principal): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_CHAT_PATH || this.closed || this.services.isDraining()) {
      const status = path !== WS_CHAT_PATH ? '404 Not Found' : '503 Service Unavailable';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    if (principal) {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.track(ws, new WsChatSession(ws, this.services, { ...this.sessionOptions(), principal })));
      return;
    }
    const { preAuth } = this.options;
    const leavePreAuth = preAuth.admit();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (!leavePreAuth) {
        refuseSocket(ws, WS_CLOSE_CODES.tryAgainLater, 'too many connections waiting to authenticate; retry shortly');
        return;
      }
      const stopCounting = preAuth.countBytes(socket, head, () =>
        refuseSocket(ws, WS_CLOSE_CODES.messageTooBig, `more than ${preAuth.options.maxBytes} bytes before authentication`),
      );
      // Once authenticated (or gone) the socket no longer counts as waiting, and its bytes are MAX_BODY_BYTES' business.
      const endPreAuth = () => {
        stopCounting();
        leavePreAuth();
      };
      ws.on('close', endPreAuth);
      this.track(ws, new WsChatSession(ws, this.services, { ...this.sessionOptions(), onAuthenticated: endPreAuth }));
    });
  }

  private sessionOptions() {
    return { authTimeoutMs: this.options.authTimeoutMs ?? 10_000, highWaterBytes: this.options.highWaterBytes ?? 1024 * 1024 };
  }

  private track(ws: WebSocket, session: WsChatSession): void {
    this.sessions.add(session);
    this.services.metrics.wsConnections.inc();
    ws.on('close', () => {
      if (this.sessions.delete(session)) this.services.metrics.wsConnections.dec();
    });
  }

  /** Closes every socket (1001 going away) and stops the heartbeat. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const session of this.sessions) session.closeWith(WS_CLOSE_CODES.goingAway, 'server shutting down');
    this.wss.close();
  }

  private beat(): void {
    for (const session of this.sessions) {
      if (!session.alive) session.terminate();
      else session.ping();
    }
  }
}
