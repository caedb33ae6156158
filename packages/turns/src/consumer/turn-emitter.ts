import type { Logger } from '@bedrock-mcp/common';
import type { StreamEventDraft } from '@bedrock-mcp/contracts';
import type { TimedDraft, TurnEventLog } from '../events/turn-event-log.js';

/** An event of this turn, before the turn id, seq and timestamp are added. */
export type TurnEventBody = StreamEventDraft extends infer E ? (E extends StreamEventDraft ? Omit<E, 'turnId'> : never) : never;

/** How long an event emitted `withNext` waits for company before it goes out alone (ms). */
const HOLD_MS = 20;

interface Batch {
  drafts: TimedDraft[];
  /** It carries an urgent event: the log writes it at once when it can. */
  urgent: boolean;
  sent: Promise<void>;
  resolve: () => void;
}

/**
 * Publishes one turn's events through the TurnEventLog (which assigns seq atomically, appends to
 * the capped replay log and publishes). Deltas need not be awaited one by one: the events emitted
 * in the same turn of the event loop, or while the previous append is in flight, go out together
 * as one append (one Redis round trip); one append at a time, so seq order is emit order.
 * flush() waits for all of them and rethrows the first failure.
 */
export class TurnEmitter {
  private failure: unknown;
  /** Events not yet handed to the log. */
  private next: Batch | undefined;
  /** The append in flight or scheduled, if any. */
  private sending: Promise<void> | undefined;
  /** Starts a scheduled append before its setImmediate fires. */
  private startNow: (() => void) | undefined;
  /** Sends events held for the next one (`withNext`) if none comes in time. */
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly log: TurnEventLog,
    readonly turnId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * `urgent` (the first output of a model round: time to first token) sends without waiting for
   * the events of the same socket read to join it; later ones batch behind it as usual.
   * `withNext` (an event nobody waits for, such as `start`) waits for the next event to go out
   * with it, up to HOLD_MS: one append, one round trip and one script run fewer per turn.
   */
  emit(body: TurnEventBody, options: { urgent?: boolean; withNext?: boolean } = {}): Promise<void> {
    if (!this.next) {
      let resolve!: () => void;
      const sent = new Promise<void>((done) => (resolve = done));
      this.next = { drafts: [], urgent: false, sent, resolve };
    }
    if (options.withNext && !this.sending) {
      this.next.drafts.push({ ...body, turnId: this.turnId, ts: Date.now() } as TimedDraft);
      this.holdTimer ??= setTimeout(() => this.schedule(), HOLD_MS);
      return this.next.sent;
    }
    this.next.drafts.push({ ...body, turnId: this.turnId } as StreamEventDraft);
    this.schedule();
    if (options.urgent) {
      this.next.urgent = true;
      this.startNow?.();
    }
    return this.next.sent;
  }

  async flush(): Promise<void> {
    if (this.next && !this.sending) this.schedule();
    while (this.sending) await this.sending;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Schedules the append of the events waiting, unless one is in flight or scheduled (they go after it). */
  private schedule(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (!this.sending) {
      // setImmediate, not a microtask: deltas decoded from one socket read arrive across several microtasks.
      this.sending = new Promise<void>((ready) => {
        this.startNow = ready;
        setImmediate(ready);
      }).then(() => {
        this.startNow = undefined;
        return this.drain();
      });
    }
  }

  private async drain(): Promise<void> {
    for (let batch = this.next; batch; batch = this.next) {
      this.next = undefined;
      try {
        await this.log.appendAll(this.turnId, batch.drafts, { urgent: batch.urgent });
      } catch (error) {
        if (this.failure === undefined) this.logger.error({ err: error, types: batch.drafts.map((draft) => draft.type) }, 'could not publish turn events');
        this.failure ??= error;
      }
      batch.resolve();
    }
    this.sending = undefined;
  }
}
