import { z } from 'zod';
import type { TurnErrorCode } from './stream-events.js';

/** The closed set of public API error codes, each with one HTTP status and OpenAI error type. */
export const API_ERRORS = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  /** A cookie-authenticated request that changes state came without the session's X-CSRF-Token. */
  csrf_failed: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'server_error' },
  service_unavailable: { status: 503, type: 'server_error' },
  /** The platform runs but has no model provider set up (no AWS credentials, no COMPATIBLE_API_BASE); the message names what to set. */
  model_not_configured: { status: 503, type: 'server_error' },
  timeout: { status: 504, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const ApiErrorCodeSchema = z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]);

/** OpenAI's error body. */
export const OpenAiErrorBodySchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    code: z.string().nullable(),
    param: z.string().nullable(),
  }),
});
export type OpenAiErrorBody = z.infer<typeof OpenAiErrorBodySchema>;

export function openAiErrorBody(code: ApiErrorCode, message: string, param: string | null = null): OpenAiErrorBody {
  return { error: { message, type: API_ERRORS[code].type, code, param } };
}

/** A zod issue path as OpenAI names a parameter: `messages[0].content`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, segment) => {
    if (typeof segment === 'number') return `${acc}[${segment}]`;
    return acc ? `${acc}.${String(segment)}` : String(segment);
  }, '');
}

/** The first issue of a failed parse as an OpenAI error body naming the field. */
export function zodErrorBody(error: z.ZodError): OpenAiErrorBody {
  const issue = error.issues[0];
  if (!issue) return openAiErrorBody('invalid_request', 'invalid request');
  const param = formatIssuePath(issue.path);
  return openAiErrorBody('invalid_request', param ? `${param}: ${issue.message}` : issue.message, param || null);
}

/** The public error a turn's error code becomes (non-stream responses, WebSocket error frames). */
export const TURN_ERROR_API_CODE = {
  model_error: 'upstream_error',
  model_throttled: 'rate_limit_exceeded',
  model_not_configured: 'model_not_configured',
  invalid_request: 'invalid_request',
  tool_catalog_error: 'upstream_error',
  timeout: 'timeout',
  worker_lost: 'service_unavailable',
  internal_error: 'internal_error',
} as const satisfies Record<TurnErrorCode, ApiErrorCode>;
