import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { adoptExpressPrototypes, readJsonBody, type JsonBodyParser } from '@bedrock-mcp/common';
import { API_ROUTES } from '@bedrock-mcp/contracts';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';

const CHAT_ROUTE = API_ROUTES.chatCompletions;
/** What express's router would leave in `req.route` (request metrics label requests with its path). */
const MATCHED_ROUTE = { path: CHAT_ROUTE.path, methods: { post: true } };

export interface ChatFastPathOptions {
  /** The middleware the app runs before the route, in its order (metrics, CORS, authentication). */
  middleware: readonly RequestHandler[];
  /** The app's JSON body parser, and its limit (bytes). */
  parseJson: JsonBodyParser;
  maxBodyBytes: number;
  /** The route's handler, as the app's router calls it. */
  handle: (req: Request, res: Response) => Promise<void>;
  /** The app's error handler. */
  onError: ErrorRequestHandler;
}

/**
 * A chat turn (`POST /v1/chat/completions`, that exact path) served in front of express: express's
 * router walking its layers, its request init and its body parser cost ~0.13 ms per turn, a
 * quarter of the gateway's CPU over its library floor (docs/perf/floor-gap.md). It runs the same
 * steps in the same order as the app — express's request and response prototypes, the app's own
 * middleware, the JSON body as the app's parser reads it (readJsonBody), the same handler and error
 * handler — so answers are the same. Every other request (another method or path, this path in
 * another case, with a trailing slash or a query) goes to the app, which serves the route too.
 */
export function withChatFastPath(app: Express, options: ChatFastPathOptions): RequestListener {
  const { middleware, parseJson, maxBodyBytes, handle, onError } = options;
  const ignore = () => undefined;
  return (rawReq: IncomingMessage, rawRes: ServerResponse) => {
    if (rawReq.method !== CHAT_ROUTE.method || rawReq.url !== CHAT_ROUTE.path) return void app(rawReq, rawRes);
    adoptExpressPrototypes(app, rawReq, rawRes);
    const req = rawReq as Request;
    const res = rawRes as Response;
    const fail = (error: unknown) => onError(error, req, res, ignore);
    const serve = (error: unknown, body?: unknown) => {
      if (error) return fail(error);
      req.body = body;
      req.route = MATCHED_ROUTE;
      handle(req, res).catch(fail);
    };
    const step = (index: number) => (error?: unknown) => {
      if (error) return fail(error);
      const next = middleware[index];
      if (next) next(req, res, step(index + 1));
      else readJsonBody(req, res, parseJson, maxBodyBytes, serve);
    };
    step(0)();
  };
}
