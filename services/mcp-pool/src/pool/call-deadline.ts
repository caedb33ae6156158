import { PoolFailure } from '../errors/pool-failure.js';

/**
 * A tool call's timeout without progress: fires `timeoutMs` after the start or the last restart
 * (progress), and not at all while paused (an elicitation waits for a person). Resuming the last
 * pause gives the call its whole timeout again. Aborting `signal` cancels the call at its server.
 */
export class CallDeadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private pauses = 0;

  constructor(private readonly timeoutMs: number) {
    this.arm();
  }

  /** Aborts (with a `timeout` PoolFailure) when the deadline passes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  /** Progress came: the timeout starts over (unless paused). */
  restart(): void {
    if (this.pauses === 0) this.arm();
  }

  /** Stops the clock until the returned resume() (idempotent) is called. */
  pause(): () => void {
    this.pauses += 1;
    clearTimeout(this.timer);
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.pauses -= 1;
      if (this.pauses === 0) this.arm();
    };
  }

  /** The call ended: no timer is left behind. */
  dispose(): void {
    clearTimeout(this.timer);
    this.pauses = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.expired) return;
    this.timer = setTimeout(() => this.controller.abort(new PoolFailure('timeout', `tool call timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    this.timer.unref();
  }
}
