import type { IncomingMessage, ServerResponse } from 'node:http';
import { OPS_PATHS } from '@bedrock-mcp/common';
import express, { type Express } from 'express';
import { accountRoutes } from './account-routes.js';
import { authMiddleware } from './auth-middleware.js';
import { authRoutes } from './auth-routes.js';
import { chatRoutes } from './chat-routes.js';
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
  app.use(requestMetrics(services.metrics));
  app.use(corsMiddleware(services.settings.CORS_ORIGINS));
  const opsPaths = new Set<string>(OPS_PATHS);
  app.use((req, res, next) => {
    // Other requests (a chat turn above all) skip the ops handler's async hop.
    if (!opsPaths.has(req.path)) return next();
    ops(req, res).then((handled) => {
      if (!handled) next();
    }, next);
  });
  app.use(docsRoutes(version));
  app.use(authRoutes(services));
  // Authenticate before reading a (possibly large) body.
  app.use('/v1', authMiddleware(services.auth, services.identity));
  app.use(express.json({ limit: services.settings.MAX_BODY_BYTES, type: () => true }));
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
