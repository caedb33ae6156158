import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_CLOSE_CODES } from '@bedrock-mcp/contracts';
import { WebSocketServer } from 'ws';
import type { GatewayServices } from './gateway-services.js';
import { refuseSocket, type PreAuthGuard } from './ws-preauth-guard.js';
import { WsVoiceSession, type WsVoiceSessionOptions } from './ws-voice-session.js';

export interface WsVoiceServerOptions extends Partial<WsVoiceSessionOptions> {
  /** Largest accepted frame, bytes (a microphone frame is ~1 KiB); a bigger one closes the socket with 1009. Default 64 KiB. */
  maxFrameBytes?: number;
  /** Milliseconds between heartbeat pings; a socket that did not answer the previous one is terminated. Default 30 s. */
  heartbeatMs?: number;
  /** Counts the sockets still being authorized against the gateway's limit (their bytes are bounded by maxFrameBytes × maxEarlyAudioFrames). */
  preAuth?: PreAuthGuard;
}

/** Defaults: 256 KiB (~4 s of base64 24 kHz audio) in the socket, 4 MiB (~1 min) more waiting before a client counts as too slow. */
const SESSION_DEFAULTS: WsVoiceSessionOptions = {
  highWaterBytes: 256 * 1024,
  maxQueuedBytes: 4 * 1024 * 1024,
  maxEarlyAudioFrames: 64,
  flushTimeoutMs: 2000,
};

/** The voice WebSocket endpoint (`/ws/user-audio`): one WsVoiceSession per socket, heartbeats, shutdown. */
export class WsVoiceServer {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WsVoiceSession>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly sessionOptions: WsVoiceSessionOptions;
  private readonly preAuth: PreAuthGuard | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly services: GatewayServices,
    options: WsVoiceServerOptions = {},
  ) {
    const { maxFrameBytes = 64 * 1024, heartbeatMs = 30_000, preAuth, ...session } = options;
    this.preAuth = preAuth;
    this.sessionOptions = { ...SESSION_DEFAULTS, ...withoutUndefined(session) };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Open voice sockets (authorizing or live). */
  get size(): number {
    return this.sessions.size;
  }

  /** Takes an upgrade request for VOICE_WS_PATH; answers 503 while draining. The query is never logged (it holds the ticket). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing || this.services.isDraining()) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const params = new URL(req.url ?? '/', 'http://gateway').searchParams;
    const leavePreAuth = this.preAuth ? this.preAuth.admit() : () => undefined;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (!leavePreAuth) {
        refuseSocket(ws, WS_CLOSE_CODES.tryAgainLater, 'too many connections waiting to authenticate; retry shortly');
        return;
      }
      const session = new WsVoiceSession(ws, this.services, this.sessionOptions);
      this.sessions.add(session);
      this.services.metrics.voiceConnections.inc();
      ws.on('close', () => {
        if (this.sessions.delete(session)) this.services.metrics.voiceConnections.dec();
      });
      ws.on('close', leavePreAuth);
      void session.open(params, leavePreAuth).finally(leavePreAuth);
    });
  }

  /** Closes every voice socket (1001), waiting for their transcripts to be saved, and stops the heartbeat. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      await Promise.all([...this.sessions].map((session) => session.close(WS_CLOSE_CODES.goingAway, 'server shutting down')));
      this.wss.close();
    })();
    return this.closing;
  }

  private beat(): void {
    for (const session of this.sessions) {
      if (!session.alive) session.terminate();
      else session.ping();
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
