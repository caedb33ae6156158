import { POOL_ERROR_STATUS, type PoolError } from '@bedrock-mcp/contracts';
import type { Response } from 'express';

/** A pool error (a PoolFailure, or its wire form) as the contract's error body, with the status POOL_ERROR_STATUS gives its code. */
export function sendPoolError(res: Response, error: PoolError): void {
  res.status(POOL_ERROR_STATUS[error.code]).json({ error: { code: error.code, message: error.message } });
}
