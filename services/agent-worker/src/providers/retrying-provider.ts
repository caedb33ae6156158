import { setTimeout as sleep } from 'node:timers/promises';
import { ModelCallError } from './model-errors.js';
import type { ModelProvider, ModelRequest, ModelStreamEvent } from './model-provider.js';

export interface RetryPolicy {
  /** Attempts per call in all (1: no retry). */
  maxAttempts: number;
  /** Milliseconds before the first retry; doubles per attempt, with ±25 % jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs?: number;
  onRetry?: (info: { attempt: number; delayMs: number; error: ModelCallError }) => void;
}

/**
 * Retries a model call that failed with a retryable error (throttled, unavailable) before it
 * streamed anything; once output has reached the client a retry would repeat it, so the error
 * then ends the call.
 */
export class RetryingProvider implements ModelProvider {
  constructor(
    private readonly inner: ModelProvider,
    private readonly policy: RetryPolicy,
  ) {}

  get name(): ModelProvider['name'] {
    return this.inner.name;
  }

  async *converseStream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    for (let attempt = 1; ; attempt++) {
      let yielded = false;
      try {
        for await (const event of this.inner.converseStream(request, signal)) {
          yielded = true;
          yield event;
        }
        return;
      } catch (error) {
        if (yielded || signal.aborted || !(error instanceof ModelCallError) || !error.retryable || attempt >= this.policy.maxAttempts) throw error;
        const exponential = Math.min(this.policy.maxDelayMs ?? 8000, this.policy.baseDelayMs * 2 ** (attempt - 1));
        const delayMs = Math.round(exponential * (0.75 + Math.random() * 0.5));
        this.policy.onRetry?.({ attempt, delayMs, error });
        await sleep(delayMs, undefined, { signal });
      }
    }
  }
}
