/**
 * Iterates `iterable` until it ends or `signal` aborts; on abort it throws `signal.reason` at
 * once, even when the underlying stream is stuck waiting for bytes, and lets the iterator clean up
 * in the background. Only the pending `next()` listens for the abort: racing each one against one
 * long-lived promise would leave a reaction on that promise per item until the stream ends.
 */
export async function* abortable<T>(iterable: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  signal.throwIfAborted();
  const iterator = iterable[Symbol.asyncIterator]();
  let rejectPending: ((reason: unknown) => void) | undefined;
  const onAbort = () => rejectPending?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      const result = await new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectPending = reject;
        iterator.next().then(resolve, reject);
      });
      rejectPending = undefined;
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
