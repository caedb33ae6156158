import { z } from 'zod';
import { isIpRange } from '../address-policy.js';

/** 1/0, true/false, yes/no, on/off; unset or empty: `fallback`. */
export const bool = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : ['1', 'true', 'yes', 'on'].includes(value)));
export const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);
export const port = (fallback: number) => int(fallback, 1, 65535);
/** Trimmed; unset or blank: undefined. */
export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
/** A comma-separated list of CIDR ranges (`10.1.0.0/16`, `fd00::/8`) or single addresses. */
export const ipRanges = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((range) => range.trim()).filter(Boolean))
  .refine((ranges) => ranges.every(isIpRange), { message: 'expected comma-separated CIDR ranges such as 10.1.0.0/16 or fd00::/8' });
