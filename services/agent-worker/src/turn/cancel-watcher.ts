import type { Logger, Redis, RedisKeys } from '@bedrock-mcp/common';

/**
 * Stop requests for this process's turns. The gateway sets `turnCancel(turnId)` and publishes the
 * turn id on `cancelChannel()`; one subscription per process calls the listeners registered for
 * that turn. The key covers a stop requested before the turn reached this worker, and one
 * published while the subscription was reconnecting (every watched turn's key is read again then).
 */
export class CancelWatcher {
  private readonly listeners = new Map<string, Set<() => void>>();
  private started: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    /** A connection of its own: it enters subscriber mode. Closed by close(). */
    private readonly subscriber: Redis,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {}

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

  /** Calls `onCancel` when a stop for the turn is published; returns the unsubscribe function. */
  watch(turnId: string, onCancel: () => void): () => void {
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
    if (!listeners) return;
    this.logger.info({ turnId }, 'stop requested');
    for (const listener of [...listeners]) listener();
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
      await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    })();
    return this.closed;
  }
}
