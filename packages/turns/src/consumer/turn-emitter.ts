import type { Logger } from '@bedrock-mcp/common';
import type { StreamEventDraft } from '@bedrock-mcp/contracts';
import type { TurnEventLog } from '../events/turn-event-log.js';

/** An event of this turn, before the turn id, seq and timestamp are added. */
export type TurnEventBody = StreamEventDraft extends infer E ? (E extends StreamEventDraft ? Omit<E, 'turnId'> : never) : never;

interface Batch {
  drafts: StreamEventDraft[];
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

  constructor(
    private readonly log: TurnEventLog,
    readonly turnId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * `urgent` (the first output of a model round: time to first token) sends without waiting for
   * the events of the same socket read to join it; later ones batch behind it as usual.
   */
  emit(body: TurnEventBody, options: { urgent?: boolean } = {}): Promise<void> {
    if (!this.next) {
      let resolve!: () => void;
      const sent = new Promise<void>((done) => (resolve = done));
      this.next = { drafts: [], sent, resolve };
    }
    this.next.drafts.push({ ...body, turnId: this.turnId } as StreamEventDraft);
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
    if (options.urgent) this.startNow?.();
    return this.next.sent;
  }

  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    for (let batch = this.next; batch; batch = this.next) {
      this.next = undefined;
      try {
        await this.log.appendMany(this.turnId, batch.drafts);
      } catch (error) {
        if (this.failure === undefined) this.logger.error({ err: error, types: batch.drafts.map((draft) => draft.type) }, 'could not publish turn events');
        this.failure ??= error;
      }
      batch.resolve();
    }
    this.sending = undefined;
  }
}
