/**
 * One timer per item, re-armed on every use: when an item has been left alone for `idleMs`,
 * `onIdle` runs (a clock does the eviction, not the next request). The owner decides in
 * `onIdle` whether the item is really idle (no call in flight) and may re-arm it.
 */
export class IdleEvictor<T extends object> {
  private readonly timers = new Map<T, NodeJS.Timeout>();
  private closed = false;

  /** @param idleMs milliseconds of no use before `onIdle` */
  constructor(
    private readonly idleMs: number,
    private readonly onIdle: (item: T) => void,
  ) {
    if (!(idleMs > 0)) throw new Error(`idleMs must be positive, got ${idleMs}`);
  }

  /** (Re)starts the item's idle clock. */
  touch(item: T): void {
    if (this.closed) return;
    const timer = this.timers.get(item);
    if (timer) {
      timer.refresh();
      return;
    }
    const created = setTimeout(() => {
      this.timers.delete(item);
      if (!this.closed) this.onIdle(item);
    }, this.idleMs);
    created.unref();
    this.timers.set(item, created);
  }

  cancel(item: T): void {
    const timer = this.timers.get(item);
    if (timer) clearTimeout(timer);
    this.timers.delete(item);
  }

  get size(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
