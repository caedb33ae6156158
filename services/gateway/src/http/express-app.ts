import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { OPS_PATHS } from '@bedrock-mcp/common';
import express, { type Express } from 'express';
import { accountRoutes } from './account-routes.js';
import { authMiddleware } from './auth-middleware.js';
import { authRoutes } from './auth-routes.js';
import { withChatFastPath } from './chat-fast-path.js';
import { chatCompletionRoute, chatRoutes } from './chat-routes.js';
import { conversationRoutes } from './conversation-routes.js';
import { corsMiddleware } from './cors.js';
import { docsRoutes } from './docs-routes.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import type { GatewayServices } from './gateway-services.js';
import { managementRoutes } from './management-routes.js';
import { requestMetrics } from './request-metrics.js';
import { voiceRoutes } from './voice-routes.js';

export interface GatewayHttpOptions {
  services: GatewayServices;
  /** /healthz, /readyz, /metrics (createOpsHandler). */
  ops: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  version: string;
}

export interface GatewayHttp {
  /** Every route: ops, docs and sign-in open, everything under /v1 authenticated, errors as OpenAI bodies. */
  app: Express;
  /** The server's request listener: the app, with chat turns served in front of its router (withChatFastPath). */
  listener: RequestListener;
}

/** The gateway's HTTP routes, and the listener that serves them. */
export function createGatewayHttp({ services, ops, version }: GatewayHttpOptions): GatewayHttp {
  const metrics = requestMetrics(services.metrics);
  const cors = corsMiddleware(services.settings.CORS_ORIGINS);
  const auth = authMiddleware(services.auth, services.identity);
  const parseJson = express.json({ limit: services.settings.MAX_BODY_BYTES, type: () => true });
  const onError = errorHandler(services.logger);
  const chatCompletion = chatCompletionRoute(services);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(metrics);
  app.use(cors);
  const opsPaths = new Set<string>(OPS_PATHS);
  app.use((req, res, next) => {
    // Other requests skip the ops handler's async hop.
    if (!opsPaths.has(req.path)) return next();
    ops(req, res).then((handled) => {
      if (!handled) next();
    }, next);
  });
  app.use(docsRoutes(version));
  app.use(authRoutes(services));
  // Authenticate before reading a (possibly large) body.
  app.use('/v1', auth);
  app.use(parseJson);
  // The turn routes first: the router walks every layer mounted before the one that matches.
  app.use(chatRoutes(services, chatCompletion));
  app.use(accountRoutes(services, services.userKeys));
  app.use(conversationRoutes(services));
  app.use(managementRoutes(services));
  app.use(voiceRoutes(services));
  app.use(notFoundHandler);
  app.use(onError);

  const listener = withChatFastPath(app, {
    middleware: [metrics, cors, auth],
    parseJson,
    maxBodyBytes: services.settings.MAX_BODY_BYTES,
    handle: chatCompletion,
    onError,
  });
  return { app, listener };
}
