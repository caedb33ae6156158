import {
  WS_CLOSE_CODES,
  WsServerFrameSchema,
  type ChatCompletionRequestInput,
  type WsServerFrame,
  type StreamEvent,
  type TurnAnswersInput,
  type WsClientFrameInput,
} from '@bedrock-mcp/contracts';

export type ChatSocketState = 'connecting' | 'ready' | 'reconnecting' | 'auth_failed' | 'closed';

export interface ChatSocketError {
  requestId?: string;
  turnId?: string;
  /** An API error code from the gateway, or `connection_lost` / `bad_frame` locally. */
  code: string;
  message: string;
}

export interface ChatSocketListener {
  onEvent(event: StreamEvent): void;
  onAccepted(requestId: string, turnId: string): void;
  onError(error: ChatSocketError): void;
  onStateChange(state: ChatSocketState, detail?: string): void;
  /** One of the user's conversations changed (here or on another device). */
  onConversation?(change: ConversationChangeFrame['change']): void;
}

type ConversationChangeFrame = Extract<WsServerFrame, { type: 'conversation' }>;

/** The parts of the browser's WebSocket the socket uses, so tests can hand in `ws`. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export interface ChatSocketOptions {
  /** The chat WebSocket's URL; default `/ws/chat` on this page's origin (the web server proxies it to the gateway). */
  url?: string;
  createWebSocket?: WebSocketFactory;
  /** Waits between reconnect attempts, in milliseconds; the last one repeats. */
  reconnectDelaysMs?: readonly number[];
  /** How often a ping is sent, in milliseconds. */
  pingIntervalMs?: number;
  /** A socket that has been silent this long (ms) after a ping is considered dead and replaced. */
  pongTimeoutMs?: number;
  /** How long the gateway has to say `ready` once the socket is open, in milliseconds. */
  readyTimeoutMs?: number;
  /** How long (ms) the gateway has to acknowledge an `answer` frame before the answer is reported as failed. */
  answerTimeoutMs?: number;
}

/** Why the gateway refused an `answer` frame (or it could not be sent). */
export class AnswerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AnswerError';
  }
}

/** Settles once: a reply that comes after the answer timed out only keeps the queue in order. */
interface PendingAnswer {
  resolve(): void;
  reject(error: AnswerError): void;
}

const OPEN = 1;
/** Closes after which reconnecting with the same session cannot help (1008: policy violation). */
const AUTH_CLOSE_CODES = new Set<number>([WS_CLOSE_CODES.unauthorized, WS_CLOSE_CODES.forbidden, 1008]);

/** `/ws/chat` on the page's own origin: ws: for an http: page, wss: for https:. */
export function chatSocketUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws/chat`;
}

/**
 * One WebSocket to `/ws/chat` that survives drops. The browser sends the session cookie with the
 * upgrade, so the gateway authenticates the socket at once and says `ready` first (no auth frame).
 * It reconnects with backoff and re-sends `resume` for every turn still in flight, from the last
 * event it delivered in order, so the listener sees each event once (it should still deduplicate by seq).
 */
export class ChatSocket {
  private readonly createWebSocket: WebSocketFactory;
  private readonly reconnectDelaysMs: readonly number[];
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly readyTimeoutMs: number;
  private readonly answerTimeoutMs: number;
  private socket: WebSocketLike | undefined;
  private state: ChatSocketState = 'closed';
  private attempt = 0;
  private closed = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  /** Frames waiting for the gateway to say `ready`. */
  private outbox: WsClientFrameInput[] = [];
  /** Chat requests sent on the current socket but not yet accepted. */
  private readonly unaccepted = new Set<string>();
  /** Turns in flight → the highest seq delivered without a gap. */
  private readonly followed = new Map<string, number>();
  /**
   * `answer` frames sent but not yet acknowledged, per turn, oldest first: the gateway replies to
   * each, in order, with `answered` or an `error` naming the turn.
   */
  private readonly answering = new Map<string, PendingAnswer[]>();

  constructor(
    private readonly options: ChatSocketOptions,
    private readonly listener: ChatSocketListener,
  ) {
    this.createWebSocket = options.createWebSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
    this.reconnectDelaysMs = options.reconnectDelaysMs ?? [250, 500, 1000, 2000, 5000];
    this.pingIntervalMs = options.pingIntervalMs ?? 20_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 20_000;
  }

  get currentState(): ChatSocketState {
    return this.state;
  }

  start(): void {
    if (this.closed || this.socket) return;
    this.connect();
  }

  sendChat(requestId: string, body: ChatCompletionRequestInput): void {
    this.send({ type: 'chat', requestId, body });
  }

  stop(turnId: string): void {
    this.send({ type: 'stop', turnId });
  }

  /**
   * Answers the turn's asks; resolves on `answered`, rejects with the gateway's error (the ask
   * expired, was answered already, …) or when the connection drops before the reply.
   */
  answer(turnId: string, answers: TurnAnswersInput): Promise<void> {
    if (this.closed || this.state === 'auth_failed') return Promise.reject(new AnswerError('connection_lost', 'Not connected to the gateway.'));
    return new Promise((resolve, reject) => {
      let settled = false;
      // Called only later (a reply, the timer): `timer` is set by then.
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        finish();
      };
      const timer = setTimeout(
        () => settle(() => reject(new AnswerError('timeout', 'The gateway did not confirm the answer in time; answer again if the card still asks.'))),
        this.answerTimeoutMs,
      );
      const queue = this.answering.get(turnId) ?? [];
      queue.push({ resolve: () => settle(resolve), reject: (error) => settle(() => reject(error)) });
      this.answering.set(turnId, queue);
      this.send({ type: 'answer', turnId, answers });
    });
  }

  /** Follows a turn from `afterSeq` (0: from its start); repeated on every reconnect until it is done. */
  resume(turnId: string, afterSeq: number): void {
    this.followed.set(turnId, afterSeq);
    this.send({ type: 'resume', turnId, afterSeq });
  }

  /** Stops following a turn (it ended, or the user cleared it). */
  forget(turnId: string): void {
    this.followed.delete(turnId);
  }

  /** Idempotent: closes the socket and cancels every timer; no reconnect follows. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.failAnswers('The chat was closed.');
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      // A socket closed while it connects reports an error; nobody is listening for it any more.
      socket.onerror = () => undefined;
      socket.close(1000, 'client closed');
    }
    this.setState('closed');
  }

  private connect(): void {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: WebSocketLike;
    try {
      socket = this.createWebSocket(this.options.url ?? chatSocketUrl());
    } catch (error) {
      this.setState('closed', error instanceof Error ? error.message : String(error));
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.lastFrameAt = Date.now();
      this.readyTimer = setTimeout(() => this.replace('The gateway did not say ready'), this.readyTimeoutMs);
    };
    socket.onmessage = (event) => this.handleMessage(typeof event.data === 'string' ? event.data : String(event.data));
    socket.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
    socket.onclose = (event) => this.handleClose(event.code, event.reason);
  }

  private handleMessage(data: string): void {
    this.lastFrameAt = Date.now();
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      json = undefined;
    }
    const parsed = WsServerFrameSchema.safeParse(json);
    if (!parsed.success) {
      this.listener.onError({ code: 'bad_frame', message: `Unreadable frame from the gateway: ${parsed.error.issues[0]?.message ?? 'not JSON'}` });
      return;
    }
    const frame = parsed.data;
    switch (frame.type) {
      case 'ready':
        this.onReady();
        return;
      case 'accepted':
        this.unaccepted.delete(frame.requestId);
        this.followed.set(frame.turnId, this.followed.get(frame.turnId) ?? 0);
        this.listener.onAccepted(frame.requestId, frame.turnId);
        return;
      case 'event': {
        const { event } = frame;
        const last = this.followed.get(event.turnId);
        if (last !== undefined && event.seq === last + 1) this.followed.set(event.turnId, event.seq);
        if (event.type === 'done') this.followed.delete(event.turnId);
        this.listener.onEvent(event);
        return;
      }
      case 'answered':
        this.settleAnswer(frame.turnId)?.resolve();
        return;
      case 'error': {
        // An error naming a turn with an answer in flight refuses that answer; the turn goes on.
        const refused = !frame.requestId && frame.turnId ? this.settleAnswer(frame.turnId) : undefined;
        if (refused) {
          refused.reject(new AnswerError(frame.error.code, frame.error.message));
          return;
        }
        if (frame.requestId) this.unaccepted.delete(frame.requestId);
        if (frame.turnId) this.followed.delete(frame.turnId);
        if (frame.error.code === 'unauthorized' && !frame.requestId && !frame.turnId) {
          this.failAuth(frame.error.message);
          return;
        }
        this.listener.onError({ requestId: frame.requestId, turnId: frame.turnId, code: frame.error.code, message: frame.error.message });
        return;
      }
      case 'pong':
        return;
      case 'conversation':
        this.listener.onConversation?.(frame.change);
        return;
    }
  }

  private settleAnswer(turnId: string): PendingAnswer | undefined {
    const queue = this.answering.get(turnId);
    const first = queue?.shift();
    if (queue?.length === 0) this.answering.delete(turnId);
    return first;
  }

  /** Answers whose reply cannot come any more: sent on a socket that is gone, or never sent. */
  private failAnswers(message: string): void {
    const pending = [...this.answering.values()].flat();
    this.answering.clear();
    this.outbox = this.outbox.filter((frame) => frame.type !== 'answer');
    for (const answer of pending) answer.reject(new AnswerError('connection_lost', message));
  }

  private onReady(): void {
    clearTimeout(this.readyTimer);
    this.attempt = 0;
    this.setState('ready');
    for (const [turnId, afterSeq] of this.followed) this.sendNow({ type: 'resume', turnId, afterSeq });
    const queued = this.outbox;
    this.outbox = [];
    for (const frame of queued) {
      // A resume queued before the reconnect was just re-sent from `followed`.
      if (frame.type !== 'resume') this.sendNow(frame);
    }
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.heartbeat(), this.pingIntervalMs);
  }

  private heartbeat(): void {
    if (Date.now() - this.lastFrameAt > this.pingIntervalMs + this.pongTimeoutMs) {
      this.replace('The connection went silent');
      return;
    }
    this.sendNow({ type: 'ping' });
  }

  private handleClose(code: number, reason: string): void {
    this.socket = undefined;
    this.clearTimers();
    for (const requestId of this.unaccepted) {
      this.listener.onError({ requestId, code: 'connection_lost', message: 'The connection dropped before the gateway accepted the message; send it again.' });
    }
    this.unaccepted.clear();
    this.failAnswers('The connection dropped before the gateway confirmed the answer: check the card and answer again if it still asks.');
    if (this.closed || this.state === 'auth_failed') return;
    if (AUTH_CLOSE_CODES.has(code)) {
      this.failAuth(reason || 'The gateway refused the session');
      return;
    }
    this.scheduleReconnect(reason);
  }

  private failAuth(message: string): void {
    this.setState('auth_failed', message);
    const lost = [...this.unaccepted, ...this.outbox.flatMap((frame) => (frame.type === 'chat' ? [frame.requestId] : []))];
    this.unaccepted.clear();
    this.failAnswers(message);
    this.outbox = [];
    for (const requestId of lost) this.listener.onError({ requestId, code: 'unauthorized', message });
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'auth failed');
    }
  }

  /** Drops a socket that stopped answering and connects again. */
  private replace(reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close(4000, reason);
    this.handleClose(4000, reason);
  }

  private scheduleReconnect(reason?: string): void {
    if (this.closed) return;
    const delays = this.reconnectDelaysMs;
    const delay = delays[Math.min(this.attempt, delays.length - 1)] ?? 1000;
    this.attempt += 1;
    this.setState('reconnecting', reason);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.connect();
    }, delay);
  }

  private send(frame: WsClientFrameInput): void {
    if (this.closed || this.state === 'auth_failed') {
      if (frame.type === 'chat') {
        this.listener.onError({ requestId: frame.requestId, code: 'connection_lost', message: 'Not connected to the gateway.' });
      }
      return;
    }
    if (this.state === 'ready' && this.socket?.readyState === OPEN) this.sendNow(frame);
    else this.outbox.push(frame);
  }

  private sendNow(frame: WsClientFrameInput): void {
    if (!this.socket) return;
    if (frame.type === 'chat') this.unaccepted.add(frame.requestId);
    this.socket.send(JSON.stringify(frame));
  }

  private setState(state: ChatSocketState, detail?: string): void {
    if (this.state === state && detail === undefined) return;
    this.state = state;
    this.listener.onStateChange(state, detail);
  }

  private clearTimers(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.readyTimer);
    clearInterval(this.pingTimer);
    this.reconnectTimer = undefined;
    this.readyTimer = undefined;
    this.pingTimer = undefined;
  }
}
