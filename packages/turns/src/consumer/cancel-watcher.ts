import { quitOrDisconnect, type Logger } from '@bedrock-mcp/common';
import type { Redis } from 'ioredis';
import type { TurnKeys } from '../turn-keys.js';

export interface CancelWatcherOptions {
  /** Milliseconds a stop published for a turn this process is not running is remembered. Default 10 minutes. */
  rememberMs?: number;
  /** Most such stops remembered (the oldest are forgotten first). Default 10,000. */
  maxRemembered?: number;
  now?: () => number;
}

/**
 * Stop requests for this process's turns. TurnProducer.stop sets `turnCancel(turnId)` and publishes the
 * turn id on `cancelChannel()`; one subscription per process calls the listeners registered for
 * that turn. A stop published before its turn is watched here (still queued, or between the job's
 * fetch and watch()) is remembered for a while, so watch() reports it at once. The key covers the
 * rest: a stop published before this process subscribed, or while the subscription was
 * reconnecting (every watched turn's key is read again then).
 */
export class CancelWatcher {
  private readonly listeners = new Map<string, Set<() => void>>();
  /** turn id → epoch ms it was published; insertion order is age order. */
  private readonly remembered = new Map<string, number>();
  private readonly rememberMs: number;
  private readonly maxRemembered: number;
  private readonly now: () => number;
  private started: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    /** A connection of its own: it enters subscriber mode. Closed by close(). */
    private readonly subscriber: Redis,
    private readonly redis: Redis,
    private readonly keys: TurnKeys,
    private readonly logger: Logger,
    options: CancelWatcherOptions = {},
  ) {
    this.rememberMs = options.rememberMs ?? 10 * 60_000;
    this.maxRemembered = options.maxRemembered ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriber.on('message', (channel: string, turnId: string) => {
        if (channel === this.keys.cancelChannel()) this.notify(turnId);
      });
      await this.subscriber.subscribe(this.keys.cancelChannel());
      this.subscriber.on('ready', () => void this.recheckWatched());
    })();
    return this.started;
  }

  /**
   * Calls `onCancel` when a stop for the turn is published (on a microtask when one was published
   * before this call); returns the unsubscribe function.
   */
  watch(turnId: string, onCancel: () => void): () => void {
    const publishedAt = this.remembered.get(turnId);
    if (publishedAt !== undefined) {
      this.remembered.delete(turnId);
      if (this.now() - publishedAt < this.rememberMs) queueMicrotask(onCancel);
    }
    const listeners = this.listeners.get(turnId) ?? new Set();
    listeners.add(onCancel);
    this.listeners.set(turnId, listeners);
    return () => {
      listeners.delete(onCancel);
      if (listeners.size === 0) this.listeners.delete(turnId);
    };
  }

  async isCancelRequested(turnId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.turnCancel(turnId))) === 1;
  }

  private notify(turnId: string): void {
    const listeners = this.listeners.get(turnId);
    if (!listeners) {
      this.remember(turnId);
      return;
    }
    this.logger.info({ turnId }, 'stop requested');
    for (const listener of [...listeners]) listener();
  }

  private remember(turnId: string): void {
    const now = this.now();
    this.remembered.delete(turnId);
    this.remembered.set(turnId, now);
    for (const [oldest, publishedAt] of this.remembered) {
      if (this.remembered.size <= this.maxRemembered && now - publishedAt < this.rememberMs) break;
      this.remembered.delete(oldest);
    }
  }

  private async recheckWatched(): Promise<void> {
    const turnIds = [...this.listeners.keys()];
    if (turnIds.length === 0 || this.closed) return;
    try {
      const found = await Promise.all(turnIds.map((turnId) => this.isCancelRequested(turnId)));
      turnIds.forEach((turnId, index) => found[index] && this.notify(turnId));
    } catch (error) {
      this.logger.warn({ err: error, turns: turnIds.length }, 'could not re-read stop requests after reconnecting');
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.listeners.clear();
      this.remembered.clear();
      await quitOrDisconnect(this.subscriber);
    })();
    return this.closed;
  }
}
