import type { ApiRouteDefinition } from '@bedrock-mcp/contracts';
import type { Request, Response, Router } from 'express';
import type { z } from 'zod';

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One request to a route, with its inputs parsed by the route's schemas. Parsing is on demand,
 * so a route decides what comes first (a rate limit counts a refused body too); a failed parse
 * throws the ZodError, which the error handler answers 400 naming the field.
 */
interface RouteCall<R extends ApiRouteDefinition> {
  readonly req: Request;
  readonly res: Response;
  /** The path parameters (`:server_id`), parsed by `route.params`. */
  params(): Output<R['params']>;
  /** `route.params`' verdict without throwing, for a route that answers a bad id in its own way. */
  safeParams(): z.ZodSafeParseResult<Output<R['params']>>;
  /** The query string, parsed by `route.query`. */
  query(): Output<R['query']>;
  /** The JSON body, parsed by `route.request`; a request without a body parses as `{}`. */
  body(): Output<R['request']>;
  /** The body as sent (an absent one stays absent), parsed by `route.request` without throwing. */
  safeBody(): z.ZodSafeParseResult<Output<R['request']>>;
}

export type RouteHandler<R extends ApiRouteDefinition> = (call: RouteCall<R>) => Promise<void> | void;

const METHODS = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' } as const;

function schemaOf(route: ApiRouteDefinition, part: 'params' | 'query' | 'request'): z.ZodType {
  const schema = route[part];
  if (!schema) throw new Error(`${route.method} ${route.path} declares no ${part} schema`);
  return schema;
}

/**
 * Registers `handler` for the route's method and path: the way the gateway's routers add a route,
 * so every route it serves is an entry of API_ROUTES. (The chat turn's handler, which the chat fast
 * path serves too, is registered at its entry's path without a RouteCall.)
 */
export function serve<R extends ApiRouteDefinition>(router: Router, route: R, handler: RouteHandler<R>): void {
  router[METHODS[route.method]](route.path, async (req: Request, res: Response) => {
    const call: RouteCall<R> = {
      req,
      res,
      params: () => schemaOf(route, 'params').parse(req.params) as Output<R['params']>,
      safeParams: () => schemaOf(route, 'params').safeParse(req.params) as z.ZodSafeParseResult<Output<R['params']>>,
      query: () => schemaOf(route, 'query').parse(req.query) as Output<R['query']>,
      body: () => schemaOf(route, 'request').parse(req.body ?? {}) as Output<R['request']>,
      safeBody: () => schemaOf(route, 'request').safeParse(req.body) as z.ZodSafeParseResult<Output<R['request']>>,
    };
    await handler(call);
  });
}
