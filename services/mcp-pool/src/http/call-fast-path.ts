import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { POOL_ROUTES, UserIdSchema } from '@bedrock-mcp/contracts';
import { adoptExpressPrototypes, readJsonBody, type Logger } from '@bedrock-mcp/common';
import express, { type Express, type Request, type Response } from 'express';
import type { ToolCallDispatcher } from '../calls/tool-call-dispatcher.js';
import { createErrorHandler } from './create-app.js';
import { handleCall } from './pool-routes.js';

/** Exactly the call route's path, its user id captured; anything else (case, trailing slash, query) takes express's way. */
const CALL_PATH = new RegExp(`^${POOL_ROUTES.call.path.replace(':userId', '([^/?#]+)')}$`);

export interface CallFastPathOptions {
  dispatcher: ToolCallDispatcher;
  /** Largest JSON body (bytes), as the app's. */
  maxBodyBytes: number;
  logger: Logger;
}

/**
 * The hot route, POOL_ROUTES.call (`POST /v1/users/:userId/call`) for a user this replica owns, served in front of
 * express: express's router and middleware chain cost ~0.14 ms per call (profiled). It runs the
 * same steps in the same order — express's request/response prototypes, the JSON body as the app's
 * parser reads it (readJsonBody), the user's hold, the same handler and error handler — so answers
 * are identical. Every other request, and a call for a user this replica does not own (routing,
 * forwarding), goes to the app.
 */
export function withCallFastPath(app: Express, options: CallFastPathOptions): RequestListener {
  const { dispatcher } = options;
  const parseJson = express.json({ limit: options.maxBodyBytes });
  const onError = createErrorHandler(options.logger);
  const ignore = () => undefined;
  return (rawReq: IncomingMessage, rawRes: ServerResponse) => {
    const match = rawReq.method === POOL_ROUTES.call.method ? CALL_PATH.exec(rawReq.url ?? '') : null;
    const userId = match ? decodeUserId(match[1]!) : undefined;
    if (userId === undefined || !dispatcher.servesHere(userId)) return void app(rawReq, rawRes);
    adoptExpressPrototypes(app, rawReq, rawRes, { userId });
    const req = rawReq as Request<{ userId: string }>;
    const res = rawRes as Response;
    readJsonBody(req, res, parseJson, options.maxBodyBytes, (error, body) => {
      if (error) return onError(error, req, res, ignore);
      res.on('close', dispatcher.hold(userId));
      handleCall(dispatcher, userId, body, res).catch((failure: unknown) => onError(failure, req, res, ignore));
    });
  };
}

/** The decoded, valid user id of the path segment, or undefined (the app then answers as usual). */
function decodeUserId(segment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  const parsed = UserIdSchema.safeParse(decoded);
  return parsed.success ? parsed.data : undefined;
}
