import type { PoolError, PoolErrorCode } from '@bedrock-mcp/contracts';

/** A failure the pool reports to its caller with one of the contract's error codes. */
export class PoolFailure extends Error {
  override readonly name = 'PoolFailure';
  constructor(
    readonly code: PoolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toWire(): PoolError {
    return { code: this.code, message: this.message };
  }
}

/** Any thrown value as a PoolFailure; unknown errors become `internal`. */
export function toPoolFailure(error: unknown): PoolFailure {
  if (error instanceof PoolFailure) return error;
  return new PoolFailure('internal', error instanceof Error ? error.message : String(error), { cause: error });
}
