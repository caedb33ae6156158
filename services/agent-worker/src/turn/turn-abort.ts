/**
 * Why a turn's (or a model call's) AbortSignal fired; carried as the abort reason so the loop can
 * tell a user's stop from a deadline, and both from this worker losing the turn's job lock
 * (`lock_lost`: another worker resumes the turn, so this one stops without a word).
 */
export class TurnAbort extends Error {
  override readonly name = 'TurnAbort';
  constructor(
    readonly kind: 'stop_requested' | 'turn_timeout' | 'call_timeout' | 'lock_lost',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A child AbortController that follows `parent` (same reason) and aborts by itself after
 * `timeoutMs` with `onTimeout`; abort() ends it early; dispose() clears the timer and the link.
 */
export function childController(
  parent: AbortSignal,
  timeoutMs: number,
  onTimeout: () => TurnAbort,
): { signal: AbortSignal; abort: (reason: unknown) => void; dispose: () => void } {
  const controller = new AbortController();
  const follow = () => controller.abort(parent.reason);
  if (parent.aborted) follow();
  else parent.addEventListener('abort', follow, { once: true });
  const timer = setTimeout(() => controller.abort(onTimeout()), timeoutMs);
  timer.unref();
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', follow);
    },
  };
}
