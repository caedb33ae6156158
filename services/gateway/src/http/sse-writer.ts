import type { ServerResponse } from 'node:http';
import { EncodedChunk, type SsePayload } from '../domain/format/stream-formatter.js';

/** `id: <seq>` + `data: <json>` frames; every frame of one turn event carries that event's seq. */
function encodeSseFrames(seq: number | undefined, payloads: readonly SsePayload[]): string {
  const id = seq === undefined ? '' : `id: ${seq}\n`;
  let out = '';
  for (const payload of payloads) out += `${id}data: ${encodePayload(payload)}\n\n`;
  return out;
}

function encodePayload(payload: SsePayload): string {
  if (payload === '[DONE]') return payload;
  return payload instanceof EncodedChunk ? payload.json : JSON.stringify(payload);
}

export interface SseWriterOptions {
  /** Milliseconds between `: keep-alive` comments while nothing else is sent (proxies drop silent streams). Default 15 s. */
  heartbeatMs?: number;
}

/**
 * Writes one SSE response. `add` encodes an event's frames; `flush` writes every frame added since
 * in one write (the events of one batch) and waits for the socket to drain when the client reads
 * slowly, so a slow client slows its reader, never grows memory.
 */
export class SseWriter {
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  /** Frames added and not yet written. */
  private unsent = '';

  constructor(
    private readonly res: ServerResponse,
    options: SseWriterOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
  }

  /** True once the client went away or the response ended. */
  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed || this.res.closed;
  }

  start(headers: Record<string, string>): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.res.flushHeaders();
    this.res.on('close', () => this.stopHeartbeat());
    this.armHeartbeat();
  }

  /** Encodes the frames of one event (none for an event without payloads), to go out at the next flush. */
  add(seq: number | undefined, payloads: readonly SsePayload[]): void {
    if (payloads.length > 0) this.unsent += encodeSseFrames(seq, payloads);
  }

  /** Writes the frames added since the last flush, in one write. */
  async flush(): Promise<void> {
    const text = this.unsent;
    this.unsent = '';
    if (text === '' || this.closed) return;
    this.armHeartbeat();
    if (!this.res.write(text)) await this.drained();
  }

  /** add + flush: one event's frames, written now. */
  send(seq: number | undefined, payloads: readonly SsePayload[]): Promise<void> {
    this.add(seq, payloads);
    return this.flush();
  }

  end(): void {
    this.stopHeartbeat();
    if (!this.closed) this.res.end();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  /** (Re)starts the heartbeat countdown; `refresh` keeps one timer per stream however fast it sends. */
  private armHeartbeat(): void {
    if (this.heartbeat) {
      this.heartbeat.refresh();
      return;
    }
    if (this.closed) return;
    this.heartbeat = setTimeout(() => {
      if (this.closed) return;
      this.res.write(': keep-alive\n\n');
      this.heartbeat?.refresh();
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
  }
}
