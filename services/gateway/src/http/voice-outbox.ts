import type { VoiceServerFrame } from '@bedrock-mcp/contracts';

/** What the outbox needs of a WebSocket (`ws`'s WebSocket fits). */
export interface FrameSink {
  /** Bytes handed to the socket and not yet written to the kernel. */
  readonly bufferedAmount: number;
  /** `written` runs once the frame left the process (or the socket failed). */
  send(data: string, written: (error?: Error) => void): void;
}

export interface VoiceOutboxOptions {
  /** Bytes the socket may hold before frames wait here instead. */
  highWaterBytes: number;
  /** Bytes that may wait here; beyond them the client is too slow and `onOverflow` runs (once). */
  maxQueuedBytes: number;
  onOverflow: (queuedBytes: number) => void;
}

interface QueuedFrame {
  data: string;
  audio: boolean;
}

/**
 * The voice socket's outgoing frames, in order, with backpressure: frames go to the socket while it
 * holds less than `highWaterBytes`, then wait here until it drains. Nothing is dropped except queued
 * assistant audio on barge-in (`interrupted`: that audio must not play anyway), and memory stays
 * bounded: when more than `maxQueuedBytes` wait, the client cannot keep up and the owner is told to
 * close the socket rather than buffer without end.
 */
export class VoiceOutbox {
  readonly #sink: FrameSink;
  readonly #options: VoiceOutboxOptions;
  #queue: QueuedFrame[] = [];
  #queuedBytes = 0;
  #inFlight = 0;
  #closed = false;
  #drained: Array<() => void> = [];

  constructor(sink: FrameSink, options: VoiceOutboxOptions) {
    if (!(options.highWaterBytes > 0) || !(options.maxQueuedBytes > 0)) throw new RangeError('VoiceOutbox: highWaterBytes and maxQueuedBytes must be > 0');
    this.#sink = sink;
    this.#options = options;
  }

  /** Bytes waiting here (not yet handed to the socket). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  push(frame: VoiceServerFrame): void {
    if (this.#closed) return;
    if (frame.type === 'interrupted') this.#dropQueuedAudio();
    const data = JSON.stringify(frame);
    this.#queue.push({ data, audio: frame.type === 'audio_data' });
    this.#queuedBytes += data.length;
    this.#pump();
    if (this.#queuedBytes > this.#options.maxQueuedBytes) {
      const queued = this.#queuedBytes;
      this.close();
      this.#options.onOverflow(queued);
    }
  }

  /** Resolves once every queued frame was handed to the socket (at once when closed). */
  drained(): Promise<void> {
    if (this.#queue.length === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Drops what waits and accepts nothing more. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#settleDrained();
  }

  #pump(): void {
    while (!this.#closed && this.#queue.length > 0 && (this.#inFlight === 0 || this.#sink.bufferedAmount < this.#options.highWaterBytes)) {
      const next = this.#queue.shift()!;
      this.#queuedBytes -= next.data.length;
      this.#inFlight += 1;
      // Every write's callback re-pumps: while the socket is over the high-water mark, some write is
      // always in flight, so the queue moves again as soon as the client reads.
      this.#sink.send(next.data, () => {
        this.#inFlight -= 1;
        this.#pump();
      });
    }
    if (this.#queue.length === 0) this.#settleDrained();
  }

  #dropQueuedAudio(): void {
    this.#queue = this.#queue.filter((frame) => !frame.audio);
    this.#queuedBytes = this.#queue.reduce((sum, frame) => sum + frame.data.length, 0);
  }

  #settleDrained(): void {
    const waiting = this.#drained;
    this.#drained = [];
    for (const resolve of waiting) resolve();
  }
}
