import type { PoolErrorCode } from '@bedrock-mcp/contracts';

/**
 * The pool answered with an error (`code` from the contract, `status` its HTTP status), or with
 * something that is not the contract (`internal`). A pool that cannot be reached rejects with the
 * network error itself; an aborted request with the signal's reason (AbortError / TimeoutError).
 */
export class PoolClientError extends Error {
  override readonly name = 'PoolClientError';
  constructor(
    readonly code: PoolErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
