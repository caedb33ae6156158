import type { Logger } from '@bedrock-mcp/common';
import { openAiErrorBody, zodErrorBody, type OpenAiErrorBody } from '@bedrock-mcp/contracts';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { GatewayError } from '../domain/gateway-error.js';
import { errorBodyForPath } from './seed-dialect.js';

function toPublicError(error: unknown): { status: number; body: OpenAiErrorBody; headers: Record<string, string> } | undefined {
  if (error instanceof GatewayError) return { status: error.status, body: openAiErrorBody(error.code, error.message, error.param), headers: error.headers };
  if (error instanceof ZodError) return { status: 400, body: zodErrorBody(error), headers: {} };
  // body-parser's errors carry `type` and `status`.
  const parserError = error as { type?: string; status?: number; message?: string };
  if (parserError.type === 'entity.too.large') {
    return { status: 413, body: openAiErrorBody('payload_too_large', 'Request body is larger than the limit (MAX_BODY_BYTES).'), headers: {} };
  }
  if (parserError.type === 'entity.parse.failed') {
    return { status: 400, body: openAiErrorBody('invalid_request', `Malformed JSON body: ${parserError.message ?? 'parse error'}`), headers: {} };
  }
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return { status: 400, body: openAiErrorBody('invalid_request', parserError.message ?? 'bad request'), headers: {} };
  }
  return undefined;
}

/** Every failure becomes an OpenAI-style error body; anything unexpected is logged and answered 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = toPublicError(error);
    if (!known) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    const { status, body, headers } = known ?? { status: 500, body: openAiErrorBody('internal_error', 'Internal server error.'), headers: {} };
    res.status(status).set(headers).json(errorBodyForPath(req.path, body));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new GatewayError('not_found', `Unknown route: ${req.method} ${req.path}`));
};
