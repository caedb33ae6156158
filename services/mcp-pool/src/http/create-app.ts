import type { Logger } from '@bedrock-mcp/common';
import { POOL_USER_SCOPE } from '@bedrock-mcp/contracts';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { ToolCallDispatcher } from '../calls/tool-call-dispatcher.js';
import { PoolFailure } from '../errors/pool-failure.js';
import { sendPoolError } from './pool-error-response.js';
import { createPoolRoutes, type PoolApi } from './pool-routes.js';

export interface PoolAppOptions {
  pool: PoolApi;
  /** Runs the `call` route's tool calls. */
  dispatcher: ToolCallDispatcher;
  /** /healthz, /readyz, /metrics (createOpsHandler). */
  ops: (req: express.Request, res: express.Response) => Promise<boolean>;
  /** In front of POOL_USER_SCOPE (`/v1/users/:userId`): serves here or forwards to the owning replica. */
  userRouting: RequestHandler<{ userId: string }>;
  /** Largest JSON body (bytes). */
  maxBodyBytes: number;
  logger: Logger;
}

/** The pool's HTTP surface: ops routes, then the user-scoped API behind the ownership router. */
export function createPoolApp(options: PoolAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get(['/healthz', '/readyz', '/metrics'], async (req, res, next) => {
    if (!(await options.ops(req, res))) next();
  });
  app.use(express.json({ limit: options.maxBodyBytes }));
  app.use(POOL_USER_SCOPE, options.userRouting);
  app.use(createPoolRoutes({ pool: options.pool, dispatcher: options.dispatcher }));
  app.use((_req, res) => sendPoolError(res, new PoolFailure('invalid_request', 'no such route')));
  app.use(createErrorHandler(options.logger));
  return app;
}

/** Errors thrown by routes (or the body parser) as the contract's error body; a started answer is cut. */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof PoolFailure) return sendPoolError(res, error);
    const status = (error as { status?: number; type?: string }).status;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendPoolError(res, new PoolFailure('invalid_request', (error as Error).message || 'invalid request'));
    }
    logger.error({ err: error }, 'request failed');
    return sendPoolError(res, new PoolFailure('internal', 'internal error'));
  };
}
