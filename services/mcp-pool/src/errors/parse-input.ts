import type { z } from 'zod';
import { PoolFailure } from './pool-failure.js';

/**
 * Parses a caller's input (path parameters, a body) with its contract schema; a mismatch is an
 * `invalid_request` naming the first offending field (`serverId: …`). An absent body parses as `{}`.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new PoolFailure('invalid_request', `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request body'}`);
}
