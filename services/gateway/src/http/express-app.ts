import type { IncomingMessage, ServerResponse } from 'node:http';
import { OPS_PATHS } from '@bedrock-mcp/common';
import { API_ROUTES, AUTH_PATHS } from '@bedrock-mcp/contracts';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { accountRoutes } from './account-routes.js';
import { authMiddleware } from './auth-middleware.js';
import { authRoutes } from './auth-routes.js';
import { chatRoutes, serveChatCompletions } from './chat-routes.js';
import { conversationRoutes } from './conversation-routes.js';
import { corsMiddleware } from './cors.js';
import { docsRoutes } from './docs-routes.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import type { GatewayServices } from './gateway-services.js';
import { managementRoutes } from './management-routes.js';
import { requestMetrics } from './request-metrics.js';
import { voiceRoutes } from './voice-routes.js';

export interface ExpressAppOptions {
  services: GatewayServices;
  /** /healthz, /readyz, /metrics (createOpsHandler). */
  ops: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  version: string;
}

/** The gateway's HTTP routes: ops, docs and sign-in open, everything under /v1 authenticated, errors as OpenAI bodies. */
export function createExpressApp({ services, ops, version }: ExpressAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const countRequest = requestMetrics(services.metrics);
  const cors = corsMiddleware(services.settings.CORS_ORIGINS);
  const authenticate = authMiddleware(services.auth, services.identity);
  const parseJson = express.json({ limit: services.settings.MAX_BODY_BYTES, type: () => true });
  // Authenticated before its (possibly large) body is read, as every /v1 route below.
  serveChatCompletions(app, services, [countRequest, cors, authenticate, parseJson]);
  app.use(countRequest);
  app.use(cors);
  const opsPaths = new Set<string>(OPS_PATHS);
  app.use((req, res, next) => {
    // Other requests (a chat turn above all) skip the ops handler's async hop.
    if (!opsPaths.has(req.path)) return next();
    ops(req, res).then((handled) => {
      if (!handled) next();
    }, next);
  });
  // Each router's layers are tried in turn on every request it sees: these two see only their own paths.
  app.use(onlyUnder([API_ROUTES.openApiDocument.path, API_ROUTES.docs.path], docsRoutes(version)));
  app.use(onlyUnder(Object.values(AUTH_PATHS), authRoutes(services)));
  // Authenticate before reading a (possibly large) body.
  app.use('/v1', authenticate);
  app.use(parseJson);
  // The turn routes first: the router walks every layer mounted before the one that matches.
  app.use(chatRoutes(services));
  app.use(accountRoutes(services, services.userKeys));
  app.use(conversationRoutes(services));
  app.use(managementRoutes(services));
  app.use(voiceRoutes(services));
  app.use(notFoundHandler);
  app.use(errorHandler(services.logger));
  return app;
}

/**
 * Hands `router` the requests whose path is one of `prefixes` or below one; the others go straight
 * on. Case-insensitive, as Express matches routes. The router's `stack` stays readable, so the
 * routes it serves can still be listed.
 */
function onlyUnder(prefixes: readonly string[], router: Router): RequestHandler & Pick<Router, 'stack'> {
  const exact = prefixes.map((prefix) => prefix.toLowerCase());
  const below = exact.map((prefix) => `${prefix}/`);
  const guard: RequestHandler = (req, res, next) => {
    const path = req.path.toLowerCase();
    if (exact.includes(path) || below.some((start) => path.startsWith(start))) return router(req, res, next);
    next();
  };
  return Object.assign(guard, { stack: router.stack });
}
