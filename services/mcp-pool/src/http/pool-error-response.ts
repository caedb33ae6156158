import { POOL_ERROR_STATUS } from '@bedrock-mcp/contracts';
import type { Response } from 'express';
import type { PoolFailure } from '../errors/pool-failure.js';

/** A PoolFailure as the contract's error body, with the status POOL_ERROR_STATUS gives its code. */
export function sendPoolError(res: Response, failure: PoolFailure): void {
  res.status(POOL_ERROR_STATUS[failure.code]).json({ error: failure.toWire() });
}
