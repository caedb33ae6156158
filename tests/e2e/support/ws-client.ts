import { WsServerFrameSchema, type StreamEvent, type WsClientFrameInput, type WsServerFrame } from '@bedrock-mcp/contracts';
import { WebSocket } from 'ws';

type FrameOf<K extends WsServerFrame['type']> = Extract<WsServerFrame, { type: K }>;

/** A chat WebSocket client for tests: validates every server frame and can wait for one. */
export class ChatSocket {
  readonly socket: WebSocket;
  readonly frames: WsServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly opened: Promise<void>;
  private wakers: Array<() => void> = [];

  private constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.socket.on('message', (data) => {
      this.frames.push(WsServerFrameSchema.parse(JSON.parse(data.toString())));
      for (const wake of this.wakers.splice(0)) wake();
    });
  }

  /** Opens a socket and authenticates; resolves after the `ready` frame. */
  static async connect(url: string, apiKey: string, userId?: string): Promise<ChatSocket> {
    const client = new ChatSocket(url);
    await client.opened;
    client.send({ type: 'auth', apiKey, ...(userId ? { userId } : {}) });
    await client.next('ready');
    return client;
  }

  send(frame: WsClientFrameInput): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first frame of this type (matching `where`) received so far or later. */
  async next<K extends WsServerFrame['type']>(type: K, where: (frame: FrameOf<K>) => boolean = () => true, timeoutMs = 15_000): Promise<FrameOf<K>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find((frame): frame is FrameOf<K> => frame.type === type && where(frame as FrameOf<K>));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} frame within ${timeoutMs} ms; got ${this.frames.map((frame) => frame.type).join(',')}`);
      await new Promise<void>((resolve) => {
        this.wakers.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Resolves with the turn's `done` event. */
  done(turnId: string, timeoutMs?: number): Promise<StreamEvent> {
    return this.next('event', (frame) => frame.event.turnId === turnId && frame.event.type === 'done', timeoutMs).then((frame) => frame.event);
  }

  events(turnId: string): StreamEvent[] {
    return this.frames.flatMap((frame) => (frame.type === 'event' && frame.event.turnId === turnId ? [frame.event] : []));
  }

  close(): void {
    this.socket.close();
  }
}

/** The text of a turn's text deltas. */
export function textOf(events: readonly StreamEvent[]): string {
  return events.map((event) => (event.type === 'text_delta' ? event.text : '')).join('');
}
