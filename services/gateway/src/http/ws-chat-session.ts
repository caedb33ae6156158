import {
  TURN_ERROR_API_CODE,
  WS_CLOSE_CODES,
  WsClientFrameSchema,
  zodErrorBody,
  type ApiErrorCode,
  type StreamEvent,
  type WsClientFrame,
  type WsServerFrame,
} from '@bedrock-mcp/contracts';
import { WebSocket, type RawData } from 'ws';
import type { Principal } from '../domain/api-key-authenticator.js';
import { GatewayError } from '../domain/gateway-error.js';
import { assertRawMessageCount } from '../domain/request-count-limits.js';
import type { TurnEventReader } from '../domain/turn-event-reader.js';
import { loggedJsonOf, TurnStreamTimeoutError } from '@bedrock-mcp/turns';
import type { GatewayServices } from './gateway-services.js';

export interface WsChatSessionOptions {
  /** Milliseconds the client has to send its `auth` frame. */
  authTimeoutMs: number;
  /** Bytes queued on the socket above which the session waits for the client to read before sending more. */
  highWaterBytes: number;
  /** Called once, when the `auth` frame was accepted. */
  onAuthenticated?: () => void;
  /** Already authenticated (a session cookie checked at the upgrade): no `auth` frame; its session is re-checked before each frame. */
  principal?: Principal;
}

type SessionState = { kind: 'awaiting_auth'; timer: NodeJS.Timeout } | { kind: 'authenticating' } | { kind: 'ready'; principal: Principal } | { kind: 'closed' };

/** Close reasons must fit in a control frame (123 bytes). */
const reason = (text: string) => Buffer.from(text).subarray(0, 120).toString();

/**
 * One chat WebSocket: authenticates with its first frame, then starts, stops and resumes turns and
 * pushes their events. Several turns may stream at once; closing the socket only stops the reading.
 * A turn that pauses for a person keeps streaming: its approval_request arrives as an `event`
 * frame, the `answer` frame answers it, and the resumed turn's events follow on the same stream.
 * Once authenticated it also gets a `conversation` frame for each change to the user's conversations.
 */
export class WsChatSession {
  private state: SessionState;
  private readonly streams = new Map<string, TurnEventReader>();
  /** Stops the user's conversation changes reaching this socket. */
  private unregister: (() => void) | undefined;
  /** For heartbeats: set when a pong arrives, cleared when a ping goes out. */
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly services: GatewayServices,
    private readonly options: WsChatSessionOptions,
  ) {
    if (options.principal) {
      this.state = { kind: 'ready', principal: options.principal };
      this.relayConversationChanges(options.principal.userId);
      void this.send({ type: 'ready', userId: options.principal.userId });
    } else {
      const timer = setTimeout(() => this.closeWith(WS_CLOSE_CODES.unauthorized, 'no auth frame in time'), options.authTimeoutMs);
      this.state = { kind: 'awaiting_auth', timer };
    }
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => this.onClose());
    socket.on('error', (error) => services.logger.debug({ err: error }, 'websocket error'));
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /** Ends the session from the server side (shutdown). */
  closeWith(code: number, text: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason(text));
    this.onClose();
  }

  terminate(): void {
    this.socket.terminate();
    this.onClose();
  }

  ping(): void {
    this.alive = false;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
  }

  private onClose(): void {
    if (this.state.kind === 'awaiting_auth') clearTimeout(this.state.timer);
    this.state = { kind: 'closed' };
    this.unregister?.();
    this.unregister = undefined;
    for (const stream of this.streams.values()) stream.close();
    this.streams.clear();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    let frame: WsClientFrame;
    try {
      if (isBinary) throw new GatewayError('invalid_request', 'frames must be JSON text');
      const json: unknown = JSON.parse(rawText(data));
      assertRawMessageCount((json as { body?: unknown } | null)?.body, this.services.settings.MAX_MESSAGES_PER_REQUEST);
      const parsed = WsClientFrameSchema.safeParse(json);
      if (!parsed.success) {
        const body = zodErrorBody(parsed.error);
        throw new GatewayError('invalid_request', body.error.message, body.error.param);
      }
      frame = parsed.data;
    } catch (error) {
      const message = error instanceof GatewayError ? error.message : 'frames must be JSON';
      if (this.state.kind !== 'ready') this.closeWith(WS_CLOSE_CODES.unauthorized, `first frame must be auth: ${message}`);
      else this.sendError(undefined, undefined, 'invalid_request', message);
      return;
    }
    void this.handle(frame).catch((error: unknown) => {
      const requestId = frame.type === 'chat' ? frame.requestId : undefined;
      const turnId = frame.type === 'stop' || frame.type === 'resume' || frame.type === 'answer' ? frame.turnId : undefined;
      if (error instanceof GatewayError) this.sendError(requestId, turnId, error.code, error.message);
      else {
        this.services.logger.error({ err: error, frame: frame.type }, 'websocket frame failed');
        this.sendError(requestId, turnId, 'internal_error', 'internal error');
      }
    });
  }

  private async handle(frame: WsClientFrame): Promise<void> {
    if (this.state.kind === 'closed') return;
    if (this.state.kind !== 'ready') {
      if (frame.type !== 'auth' || this.state.kind !== 'awaiting_auth') {
        this.closeWith(WS_CLOSE_CODES.unauthorized, 'first frame must be auth');
        return;
      }
      clearTimeout(this.state.timer);
      this.state = { kind: 'authenticating' };
      try {
        const principal = await this.services.auth.authenticate(frame.apiKey, frame.userId);
        if (this.state.kind !== 'authenticating') return;
        this.state = { kind: 'ready', principal };
        this.relayConversationChanges(principal.userId);
        this.options.onAuthenticated?.();
        await this.send({ type: 'ready', userId: principal.userId });
      } catch (error) {
        const forbidden = error instanceof GatewayError && error.code === 'forbidden';
        this.closeWith(forbidden ? WS_CLOSE_CODES.forbidden : WS_CLOSE_CODES.unauthorized, error instanceof GatewayError ? error.message : 'authentication failed');
      }
      return;
    }
    const { userId, session } = this.state.principal;
    // A signed-out or expired browser session stops working on its open sockets too.
    if (session && frame.type !== 'ping' && !(await this.services.identity.sessions.isLive(session.hash))) {
      this.closeWith(WS_CLOSE_CODES.unauthorized, 'your session has ended: sign in again');
      return;
    }
    switch (frame.type) {
      case 'auth':
        throw new GatewayError('invalid_request', 'already authenticated');
      case 'ping':
        await this.send({ type: 'pong' });
        return;
      case 'stop':
        await this.services.access.requireOwned(userId, frame.turnId);
        await this.services.access.requestStop(frame.turnId);
        this.services.logger.info({ userId, turnId: frame.turnId }, 'stop requested');
        return;
      case 'resume': {
        await this.services.access.requireOwned(userId, frame.turnId);
        this.streams.get(frame.turnId)?.close();
        const stream = await this.services.turnStreams.open(frame.turnId, frame.afterSeq);
        await this.pump(stream, undefined);
        return;
      }
      case 'answer':
        await this.services.access.requireOwned(userId, frame.turnId);
        await this.services.access.answer(frame.turnId, frame.answers);
        this.services.logger.info({ userId, turnId: frame.turnId, approvals: frame.answers.approvals.length, elicitations: frame.answers.elicitations.length }, 'turn asks answered');
        await this.send({ type: 'answered', turnId: frame.turnId });
        return;
      case 'chat': {
        if (this.services.isDraining()) throw new GatewayError('service_unavailable', 'The gateway is shutting down; reconnect elsewhere.');
        const receivedAt = process.hrtime.bigint();
        const turn = await this.services.submitter.submit(userId, { ...frame.body, stream: true });
        this.services.metrics.turnsSubmitted.inc();
        await this.send({ type: 'accepted', requestId: frame.requestId, turnId: turn.turnId });
        await this.pump(this.services.turnStreams.patient(turn.stream), receivedAt);
        return;
      }
    }
  }

  /** From now on, every change to the user's conversations (from any device) reaches this socket as a `conversation` frame. */
  private relayConversationChanges(userId: string): void {
    this.unregister = this.services.conversationRelay.register(userId, (frame) => void this.send(frame));
  }

  /** Sends a turn's events until it ends or the socket closes; waits whenever the client reads slowly. */
  private async pump(stream: TurnEventReader, receivedAt: bigint | undefined): Promise<void> {
    if (this.state.kind === 'closed') {
      stream.close();
      return;
    }
    this.streams.set(stream.turnId, stream);
    const untrack = this.services.trackStream('ws');
    let firstToken = receivedAt !== undefined;
    try {
      for (let batch = await stream.next(); batch; batch = await stream.next()) {
        // Frames go out in order: waiting for the last one waits for all (only a slow client makes any wait).
        let sent: Promise<void> | undefined;
        for (const event of batch) {
          if (firstToken && (event.type === 'text_delta' || event.type === 'reasoning_delta')) {
            firstToken = false;
            this.services.metrics.ttft.observe({ transport: 'ws' }, Number(process.hrtime.bigint() - receivedAt!) / 1e9);
          }
          sent = this.sendEvent(event);
        }
        await sent;
      }
    } catch (error) {
      if (!(error instanceof TurnStreamTimeoutError)) throw error;
      this.sendError(undefined, stream.turnId, TURN_ERROR_API_CODE.timeout, error.message);
    } finally {
      stream.close();
      if (this.streams.get(stream.turnId) === stream) this.streams.delete(stream.turnId);
      untrack();
    }
  }

  /** An `event` frame; an event as logged by the worker is forwarded without encoding it again. */
  private sendEvent(event: StreamEvent): Promise<void> {
    const json = loggedJsonOf(event);
    if (json === undefined) return this.send({ type: 'event', event });
    return this.sendText(`{"type":"event","event":${json}}`);
  }

  private send(frame: WsServerFrame): Promise<void> {
    return this.sendText(JSON.stringify(frame));
  }

  private sendText(data: string): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    if (this.socket.bufferedAmount < this.options.highWaterBytes) {
      this.socket.send(data);
      return Promise.resolve();
    }
    // Over the high-water mark: resolve once this frame (and all before it) reached the kernel.
    return new Promise((resolve) => this.socket.send(data, () => resolve()));
  }

  private sendError(requestId: string | undefined, turnId: string | undefined, code: ApiErrorCode, message: string): void {
    void this.send({ type: 'error', ...(requestId ? { requestId } : {}), ...(turnId ? { turnId } : {}), error: { code, message } });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
