/**
 * A FIFO read by one async iterator (the SDK's request body): `push` never blocks, `end` lets the
 * iterator finish once drained. Bounded: past `maxItems` new items are refused (counted in `dropped`),
 * so a stalled upstream cannot make the queue grow without end.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #maxItems: number;
  #ended = false;
  #wake: (() => void) | undefined;
  #dropped = 0;

  constructor(maxItems = Number.POSITIVE_INFINITY) {
    this.#maxItems = maxItems;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Items refused because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** False when the queue has ended or is full (the item is dropped); `exempt` items ignore the bound. */
  push(item: T, exempt = false): boolean {
    if (this.#ended) return false;
    if (!exempt && this.#items.length >= this.#maxItems) {
      this.#dropped += 1;
      return false;
    }
    this.#items.push(item);
    this.#signal();
    return true;
  }

  /** No more items; the iterator finishes after the queued ones. Idempotent. */
  end(): void {
    this.#ended = true;
    this.#signal();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        const item = this.#items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      // The consumer stopped (or finished): later pushes are refused instead of piling up.
      this.#ended = true;
      this.#items.length = 0;
    }
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
