import type { Logger, TurnEventLog } from '@bedrock-mcp/common';
import type { StreamEventDraft } from '@bedrock-mcp/contracts';

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
  /** The append in flight, if any. */
  private sending: Promise<void> | undefined;

  constructor(
    private readonly log: TurnEventLog,
    readonly turnId: string,
    private readonly logger: Logger,
  ) {}

  emit(body: TurnEventBody): Promise<void> {
    if (!this.next) {
      let resolve!: () => void;
      const sent = new Promise<void>((done) => (resolve = done));
      this.next = { drafts: [], sent, resolve };
      // setImmediate, not a microtask: deltas decoded from one socket read arrive across several microtasks.
      if (!this.sending) this.sending = new Promise<void>((ready) => setImmediate(ready)).then(() => this.drain());
    }
    this.next.drafts.push({ ...body, turnId: this.turnId } as StreamEventDraft);
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
