import type { Logger } from '@bedrock-mcp/common';
import type { Redis } from 'ioredis';
import type { TurnKeys } from '../turn-keys.js';
import type { AskSettlement, TurnAsks } from './turn-asks.js';

/**
 * How a worker waits for a person's answer to an ask of a turn it runs (an elicitation: the tool
 * call waits meanwhile). TurnAsks.answer publishes the turn id on `answersChannel()`; one
 * subscription per process wakes the waiters of that turn, which then look at the record. Each
 * waiter subscribes before it first reads the record, so an answer cannot slip in between; after
 * the subscription reconnects every waiter reads again. The ask is settled (TurnAsks.settle) only
 * once it was answered or `expiresAt` passed, so a pending ask is expired exactly then.
 */
export class AnswerWaiter {
  /** turn id → the wake-ups of its waiters */
  private readonly waiters = new Map<string, Set<() => void>>();
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(
    /** In subscriber mode; may be shared with other subscriptions (the cancel watcher's). Not closed here. */
    private readonly subscriber: Redis,
    private readonly asks: Pick<TurnAsks, 'pending' | 'settle'>,
    private readonly keys: TurnKeys,
    private readonly logger: Logger,
  ) {}

  /** Subscribes to the answers channel (idempotent; wait() does it too). */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriber.on('message', (channel: string, turnId: string) => {
        if (channel === this.keys.answersChannel()) this.wake(turnId);
      });
      this.subscriber.on('ready', () => {
        for (const turnId of [...this.waiters.keys()]) this.wake(turnId);
      });
      await this.subscriber.subscribe(this.keys.answersChannel());
    })();
    return this.started;
  }

  /**
   * Resolves with how the ask ended once it was answered (or at `expiresAt`, epoch ms, when it is
   * expired). Aborting `signal` rejects with its reason and leaves the ask as it is.
   */
  async wait(turnId: string, askId: string, expiresAt: number, signal?: AbortSignal): Promise<AskSettlement> {
    await this.start();
    for (;;) {
      signal?.throwIfAborted();
      if (this.closed) throw new Error('the answer waiter was closed');
      const wake = this.nextWake(turnId, expiresAt - Date.now(), signal);
      try {
        const pending = (await this.asks.pending(turnId)).some((ask) => ask.id === askId);
        if (!pending || Date.now() >= expiresAt) break;
        await wake.promise;
      } finally {
        wake.cancel();
      }
    }
    signal?.throwIfAborted();
    const settled = (await this.asks.settle(turnId, [askId])).get(askId) ?? { state: 'unknown' };
    this.logger.debug({ turnId, askId, state: settled.state }, 'ask settled');
    return settled;
  }

  /** Stops waking waiters (they end with an error); the subscriber connection is its owner's to close. */
  close(): void {
    this.closed = true;
    for (const turnId of [...this.waiters.keys()]) this.wake(turnId);
  }

  /** A promise that settles on the turn's next answer, after `ms`, or on abort (never rejects). */
  private nextWake(turnId: string, ms: number, signal: AbortSignal | undefined): { promise: Promise<void>; cancel: () => void } {
    let done!: () => void;
    const promise = new Promise<void>((resolve) => (done = resolve));
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
    let wakes = this.waiters.get(turnId);
    if (!wakes) this.waiters.set(turnId, (wakes = new Set()));
    wakes.add(done);
    const cancel = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      wakes.delete(done);
      if (wakes.size === 0 && this.waiters.get(turnId) === wakes) this.waiters.delete(turnId);
    };
    return { promise, cancel };
  }

  private wake(turnId: string): void {
    for (const wake of [...(this.waiters.get(turnId) ?? [])]) wake();
  }
}
