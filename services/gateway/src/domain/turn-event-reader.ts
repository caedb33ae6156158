import type { StreamEvent } from '@bedrock-mcp/contracts';
import { TurnStreamTimeoutError, type TurnEvents, type TurnEventStream } from '@bedrock-mcp/turns';

/**
 * What the SSE responder, the non-stream route and the WebSocket read a turn's events through: in
 * batches, each holding every event ready at once (the events of one Redis message, or of a log
 * read), so a relay writes them in one go rather than one write and one await per event. A plain
 * `next()` rather than async iteration: a reader waits on one promise, not a chain of them, and a
 * server holding thousands of waiting streams allocates (and collects) that much less per event.
 */
export interface TurnEventReader {
  readonly turnId: string;
  /** True once the turn is known to have ended. */
  readonly turnEnded: boolean;
  /** The next events (at least one), valid until the next call; undefined once the turn ended or the reader closed. */
  next(): Promise<readonly StreamEvent[] | undefined>;
  /** Stops reading (the turn goes on). Idempotent; the one who reads closes, whatever the outcome. */
  close(): void;
}

/** Opens a turn's stream after a seq (TurnEvents.open). */
type OpenTurnStream = (turnId: string, afterSeq: number) => Promise<TurnEventStream>;

/**
 * A turn's stream that waits for a person: while the turn's last events are an approval_request
 * (and answers to it), the hub's idle timeout does not end the reading before the asks expire —
 * the stream is reopened after the last event delivered. `graceMs` past the expiry, the turn
 * must show signs of life again (the worker resumes it at expiry) or the timeout stands.
 */
class PatientTurnStream implements TurnEventReader {
  private closed = false;
  /** The asks' expiry (epoch ms) while the turn waits for a person. */
  private waitingUntil: number | undefined;

  constructor(
    private current: TurnEventStream,
    private readonly reopen: OpenTurnStream,
    private readonly graceMs: number,
  ) {}

  get turnId(): string {
    return this.current.turnId;
  }

  get turnEnded(): boolean {
    return this.current.turnEnded;
  }

  close(): void {
    this.closed = true;
    this.current.close();
  }

  async next(): Promise<readonly StreamEvent[] | undefined> {
    for (;;) {
      try {
        const batch = await this.current.nextBatch();
        for (const event of batch ?? []) {
          if (event.type === 'approval_request') this.waitingUntil = Math.max(this.waitingUntil ?? 0, event.expiresAt);
          else if (event.type !== 'approval_answer') this.waitingUntil = undefined;
        }
        return batch;
      } catch (error) {
        const waitingUntil = this.waitingUntil;
        if (!(error instanceof TurnStreamTimeoutError) || this.closed || waitingUntil === undefined || Date.now() >= waitingUntil + this.graceMs) throw error;
        this.current = await this.reopen(this.current.turnId, this.current.lastSeq);
        if (this.closed) this.current.close();
      }
    }
  }
}

/**
 * The part of a turn after the approval_request that asked `askIds`: the events up to and with
 * it go to `prime` (a formatter or assembler catching up on the paused round), the rest are read.
 * When some of that request's asks are still unanswered (`stillPending`), the turn stays paused:
 * the request itself is read, with only those asks, and nothing after it.
 */
export class EventsAfterAsks implements TurnEventReader {
  private priming = true;
  private ended = false;

  constructor(
    private readonly inner: TurnEventReader,
    private readonly askIds: ReadonlySet<string>,
    private readonly prime: (event: StreamEvent) => void,
    private readonly stillPending: ReadonlySet<string> = new Set(),
  ) {}

  get turnId(): string {
    return this.inner.turnId;
  }

  get turnEnded(): boolean {
    return this.inner.turnEnded;
  }

  close(): void {
    this.inner.close();
  }

  async next(): Promise<readonly StreamEvent[] | undefined> {
    while (!this.ended) {
      const batch = await this.inner.next();
      if (!batch || !this.priming) return batch;
      for (const [index, event] of batch.entries()) {
        const answered = event.type === 'approval_request' && event.asks.some((ask) => this.askIds.has(ask.id));
        if (answered) {
          const unanswered = event.asks.filter((ask) => this.stillPending.has(ask.id));
          if (unanswered.length > 0) {
            this.ended = true;
            return [{ ...event, asks: unanswered }];
          }
        }
        this.prime(event);
        if (answered) {
          this.priming = false;
          if (index + 1 < batch.length) return batch.slice(index + 1);
          break;
        }
      }
    }
    return undefined;
  }
}

/** How the gateway opens turns' streams: through the hub, patient with turns that wait for a person. */
export class TurnStreams {
  constructor(
    private readonly events: Pick<TurnEvents, 'open'>,
    /** How long past the asks' expiry a waiting stream still gives the turn to go on (the hub's idle timeout). */
    private readonly graceMs: number,
  ) {}

  /** The turn's events after `afterSeq` (replayed from the log, then live). */
  async open(turnId: string, afterSeq: number): Promise<TurnEventReader> {
    return this.patient(await this.events.open(turnId, { afterSeq }));
  }

  patient(stream: TurnEventStream): TurnEventReader {
    return new PatientTurnStream(stream, (turnId, afterSeq) => this.events.open(turnId, { afterSeq }), this.graceMs);
  }
}
