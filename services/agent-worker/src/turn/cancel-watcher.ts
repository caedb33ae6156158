import type { Logger, Redis, RedisKeys } from '@bedrock-mcp/common';

/**
 * Stop requests for this process's turns. The gateway sets `turnCancel(turnId)` and publishes the
 * turn id on `cancelChannel()`; one subscription per process calls the listeners registered for
 * that turn. The key also covers a stop requested before the turn reached this worker.
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
        if (channel !== this.keys.cancelChannel()) return;
        const listeners = this.listeners.get(turnId);
        if (!listeners) return;
        this.logger.info({ turnId }, 'stop requested');
        for (const listener of listeners) listener();
      });
      await this.subscriber.subscribe(this.keys.cancelChannel());
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

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.listeners.clear();
      await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    })();
    return this.closed;
  }
}
