import type { StreamEvent } from '@bedrock-mcp/contracts';

/** A stream saw no event for its idle timeout; the stream is closed. */
export class TurnStreamTimeoutError extends Error {
  override readonly name = 'TurnStreamTimeoutError';
}

/** What a stream needs of the TurnEvents that opened it. */
export interface StreamBackend {
  readLog(): Promise<StreamEvent[]>;
  release(stream: TurnEventStream): void;
}

/**
 * One reader's view of a turn: its events after a seq, live until `done`, read in batches
 * (`nextBatch`: every event ready at once, so a relay writes them in one go).
 * Pulling is the backpressure: a reader that does not pull lets live events pile up only to
 * `maxBufferedEvents`; beyond that they are dropped and later re-read from the Redis log.
 */
export class TurnEventStream {
  private pending: StreamEvent[] = [];
  private live: StreamEvent[] = [];
  private finished = false;
  private closed = false;
  private wake: ((woken: boolean) => void) | undefined;
  /** When the current wait for an event gives up (epoch ms). */
  private waitDeadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerFiresAt = 0;
  /** The seq of a live event that showed a gap and made the stream re-read the log (once per gap). */
  private rereadFor = 0;
  /**
   * The batch handed out last, emptied and refilled at each pull: a reader that still points at it
   * while it waits for the next event (an async frame does) keeps no events alive that long.
   */
  private readonly batch: StreamEvent[] = [];

  constructor(
    readonly turnId: string,
    private lastSeqDelivered: number,
    private needsLogRead: boolean,
    private readonly options: { maxBufferedEvents: number; resyncIntervalMs: number; idleTimeoutMs: number },
    private readonly backend: StreamBackend,
  ) {}

  /** True once the turn is known to have ended (its `done` was delivered, or lies behind `afterSeq`). */
  get turnEnded(): boolean {
    return this.finished;
  }

  /** The seq of the last event handed to the reader. */
  get lastSeq(): number {
    return this.lastSeqDelivered;
  }

  pushLive(event: StreamEvent): void {
    if (this.closed || this.finished) return;
    if (this.live.length >= this.options.maxBufferedEvents) {
      this.live = [];
      this.needsLogRead = true;
    } else {
      this.live.push(event);
    }
    this.notify();
  }

  resync(): void {
    this.needsLogRead = true;
    this.notify();
  }

  /** Stops reading (the turn itself goes on). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live = [];
    this.pending = [];
    this.stopTimer();
    this.backend.release(this);
    this.notify();
  }

  /**
   * The next events: every one ready now (at least one; the events of one Redis message, or of a log
   * read). The batch is only valid until the next call (one array, refilled). Undefined once the
   * turn ended or the stream closed. A relay thus makes one write and one wait per batch rather
   * than per event, and waits on this one promise rather than an async iterator's chain of them.
   */
  async nextBatch(): Promise<readonly StreamEvent[] | undefined> {
    const batch = this.batch;
    batch.length = 0;
    let idleSince = Date.now();
    while (!this.closed && !this.finished) {
      if (this.needsLogRead) {
        this.needsLogRead = false;
        const logged = await this.backend.readLog();
        if (this.closed) break;
        const last = logged.at(-1);
        // The turn finished at or before the seq the reader already has: nothing more will come.
        if (last?.type === 'done' && last.seq <= this.lastSeqDelivered) {
          this.finish();
          break;
        }
        this.pending = logged.filter((event) => event.seq > this.lastSeqDelivered);
      }
      for (let event = this.takeDeliverable(); event; event = this.takeDeliverable()) batch.push(event);
      if (batch.length > 0) return batch;
      if (this.needsLogRead) continue;
      const idleFor = Date.now() - idleSince;
      if (idleFor >= this.options.idleTimeoutMs) {
        this.close();
        throw new TurnStreamTimeoutError(`no event from turn ${this.turnId} for ${Math.round(idleFor / 1000)} s`);
      }
      const woken = await this.waitForEvent(Math.min(this.options.resyncIntervalMs, this.options.idleTimeoutMs - idleFor));
      if (woken) idleSince = Date.now();
      else this.needsLogRead = true;
    }
    return undefined;
  }

  /**
   * The next event to hand over, in seq order: from the log read first, then live. Undefined when
   * none is ready, after `done`, or when a live event shows a gap: the log is then read first.
   */
  private takeDeliverable(): StreamEvent | undefined {
    while (!this.finished && !this.closed) {
      const fromLog = this.pending.length > 0;
      const event = fromLog ? this.pending.shift() : this.live.shift();
      if (!event) return undefined;
      if (event.seq <= this.lastSeqDelivered) continue;
      // A gap in the log itself is final (the capped log dropped old events, or it expired); a gap
      // in live events (a dropped buffer, a reconnect) is filled from the log, once.
      if (event.seq > this.lastSeqDelivered + 1 && !fromLog && this.rereadFor !== event.seq) {
        this.rereadFor = event.seq;
        this.live.unshift(event);
        this.needsLogRead = true;
        return undefined;
      }
      this.lastSeqDelivered = event.seq;
      if (event.type === 'done') this.finish();
      return event;
    }
    return undefined;
  }

  private finish(): void {
    this.finished = true;
    this.stopTimer();
    this.backend.release(this);
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * True when something arrived, false when `timeoutMs` passed first. The timer outlives the wait:
   * a stream that waits once per event would otherwise create and clear a timer for every event,
   * so a timer that fires before the current wait's deadline only re-arms for the rest.
   */
  private waitForEvent(timeoutMs: number): Promise<boolean> {
    this.waitDeadline = Date.now() + timeoutMs;
    if (this.timer && this.timerFiresAt > this.waitDeadline) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.timer) this.armTimer(timeoutMs);
    return new Promise((resolve) => (this.wake = resolve));
  }

  private armTimer(delayMs: number): void {
    this.timerFiresAt = Date.now() + delayMs;
    this.timer = setTimeout(this.onTimer, delayMs);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (!this.wake || this.closed) return;
    const left = this.waitDeadline - Date.now();
    if (left > 0) {
      this.armTimer(left);
      return;
    }
    const wake = this.wake;
    this.wake = undefined;
    wake(false);
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.(true);
  }
}
