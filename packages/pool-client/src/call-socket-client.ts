import type { Socket } from 'node:net';
import { CALL_SOCKET_PATH, CallSocketServerFrameSchema, POOL_ERROR_STATUS, type CallSocketClientFrame, type CallToolRequest } from '@bedrock-mcp/contracts';
import { WebSocket } from 'ws';
import type { ElicitationAnswerer } from './elicitation-answerer.js';
import { PoolClientError } from './pool-client-error.js';
import { ToolCallRerouted, type CallToolOptions, type ElicitationCallback, type PreferredToolCallTransport, type ToolCallResult, type ToolProgress } from './tool-call-transport.js';

interface PendingCall {
  resolve: (outcome: ToolCallResult) => void;
  reject: (error: unknown) => void;
  onProgress?: ((progress: ToolProgress) => void) | undefined;
  userId: string;
  onElicitation: ElicitationCallback | undefined;
  /** Aborts once the call is over (an elicitation's answer is then not wanted). */
  ended: AbortController;
}
/** The pool closes a socket with this only when none of its calls is running there (it is shutting down). */
const CLOSE_GOING_AWAY = 1001;
/** After a failed connect, calls take HTTP this long before the socket is tried again. */
const RETRY_AFTER_MS = 5_000;

/**
 * The client end of the pool's call socket (contracts/pool-api.ts), the fast tool-call transport:
 * one WebSocket, opened on first use and again after it closes, carrying every call in flight.
 * While it is not open (connecting, or a pool without it) it is not `available`, so calls take
 * another transport at once rather than wait. A call the pool reroutes (another replica owns the
 * user) rejects with ToolCallRerouted. A call in flight when the socket closes fails (the pool
 * cancelled it; whether the tool ran cannot be known), unless the pool closed it going away: it
 * then ran none of them, and they are rerouted too.
 */
export class CallSocketClient implements PreferredToolCallTransport {
  private socket: WebSocket | undefined;
  /** The socket's connection, for ref/unref: a call in flight keeps the process alive, an idle socket does not. */
  private connection: Socket | undefined;
  private retryAt = 0;
  private nextId = 0;
  private readonly pending = new Map<number, PendingCall>();

  /**
   * @param authorization the `Authorization` header the pool requires on the upgrade (the internal credential)
   * @param elicitations posts the answers to elicitations (over HTTP: the pool's answer route)
   */
  constructor(
    private readonly url: string,
    private readonly authorization: string,
    private readonly elicitations: ElicitationAnswerer,
  ) {}

  /** Whether the socket is open for calls; when it is not, starts connecting (unless pausing after a failure). */
  available(): boolean {
    if (this.socket?.readyState === WebSocket.OPEN) return true;
    this.connect();
    return false;
  }

  call(userId: string, request: CallToolRequest, options: CallToolOptions): Promise<ToolCallResult> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) {
      this.connect();
      return Promise.reject(new ToolCallRerouted('the call socket is not open'));
    }
    const id = this.nextId++;
    return new Promise<ToolCallResult>((resolve, reject) => {
      const onAbort = () => {
        const call = this.pending.get(id);
        if (!call || !this.pending.delete(id)) return;
        call.ended.abort();
        this.send(socket, { type: 'cancel', id });
        this.settled();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const ended = new AbortController();
      const done = () => (signal?.removeEventListener('abort', onAbort), ended.abort());
      this.pending.set(id, {
        resolve: (outcome) => (done(), resolve(outcome)),
        reject: (error) => (done(), reject(error)),
        onProgress: options.onProgress,
        userId,
        onElicitation: options.onElicitation,
        ended,
      });
      if (this.pending.size === 1) this.connection?.ref();
      this.send(socket, { type: 'call', id, userId, request });
    });
  }

  /** Closes the socket; calls in flight fail. Idempotent. */
  close(): void {
    this.retryAt = Number.POSITIVE_INFINITY;
    this.socket?.terminate();
  }

  private connect(): void {
    if (this.socket || Date.now() < this.retryAt) return;
    const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}${CALL_SOCKET_PATH}`, { perMessageDeflate: false, headers: { authorization: this.authorization } });
    this.socket = socket;
    socket.on('upgrade', (response) => {
      this.connection = response.socket as Socket;
      this.connection.setKeepAlive(true, 30_000);
    });
    let opened = false;
    socket.on('open', () => {
      opened = true;
      this.connection?.unref();
    });
    socket.on('message', (data) => this.onFrame(socket, data.toString()));
    socket.on('error', () => {
      // A pool without the socket (404), or one unreachable: HTTP for a while. 'close' follows.
      if (!opened) this.retryAt = Date.now() + RETRY_AFTER_MS;
    });
    socket.on('close', (code, reason) => {
      this.socket = undefined;
      this.connection = undefined;
      const calls = [...this.pending.values()];
      this.pending.clear();
      if (code === CLOSE_GOING_AWAY) {
        const rerouted = new ToolCallRerouted('the mcp-pool went away before running the call');
        return calls.forEach((call) => call.reject(rerouted));
      }
      const error = new PoolClientError('internal', `the connection to the mcp-pool closed during the call (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`);
      for (const call of calls) call.reject(error);
    });
  }

  private onFrame(socket: WebSocket, text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = CallSocketServerFrameSchema.safeParse(json);
    if (!parsed.success) {
      socket.close(1008, 'frame outside the contract');
      return;
    }
    const frame = parsed.data;
    const call = this.pending.get(frame.id);
    if (!call) return; // cancelled here: its late answer is dropped
    if (frame.type === 'progress') return call.onProgress?.({ progress: frame.progress, total: frame.total, message: frame.message });
    if (frame.type === 'elicitation') {
      const { id: _id, ...elicitation } = frame;
      if (call.onElicitation) this.elicitations.answer(call.userId, elicitation, call.onElicitation, call.ended.signal);
      return;
    }
    this.pending.delete(frame.id);
    this.settled();
    if (frame.type === 'result') call.resolve({ result: frame.result, durationMs: frame.durationMs });
    else if (frame.type === 'error') call.reject(new PoolClientError(frame.error.code, frame.error.message, POOL_ERROR_STATUS[frame.error.code]));
    else call.reject(new ToolCallRerouted('the mcp-pool replica does not own the user'));
  }

  private settled(): void {
    if (this.pending.size === 0) this.connection?.unref();
  }

  private send(socket: WebSocket, frame: CallSocketClientFrame): void {
    socket.send(JSON.stringify(frame));
  }
}
