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
 * Writes one SSE response. `send` writes all frames of an event at once and waits for the socket
 * to drain when the client reads slowly, so a slow client slows its reader, never grows memory.
 * Frames sent in the same tick (the events of one Redis read) leave in one socket write: Node's
 * http corks a response's socket at its first write of a tick and uncorks it on the next, so this
 * adds no cork (and no per-event callback) of its own.
 */
export class SseWriter {
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;

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

  async send(seq: number | undefined, payloads: readonly SsePayload[]): Promise<void> {
    if (payloads.length === 0 || this.closed) return;
    this.armHeartbeat();
    if (!this.res.write(encodeSseFrames(seq, payloads))) await this.drained();
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
