import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How a route answers: one JSON body (`response`), an event stream, NDJSON lines, an HTML page, a
 * file (bytes of the media type the route documents, e.g. a download or an image), a redirect or
 * no body at all. Only `json` routes have a response schema a client can parse whole.
 */
export type RouteAnswer = 'json' | 'sse' | 'ndjson' | 'html' | 'file' | 'redirect' | 'none';

/**
 * One HTTP route of a service, shared by the server that serves it, the clients that call it and
 * the API document that describes it. `path` is in express form (`/v1/keys/:keyId`); `params`
 * validates its named segments, `query` the query string, `request` the body.
 */
export interface RouteDefinition {
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly request?: z.ZodType;
  readonly answer: RouteAnswer;
  /** The success body of a `json` route. */
  readonly response?: z.ZodType;
  /** HTTP status of success; 200 unless said. */
  readonly status?: number;
}

/** Keeps a route's literal types (method, path, schemas) for the code that serves or calls it. */
export function defineRoute<const R extends RouteDefinition>(route: R): R {
  return route;
}

export type RouteParams<R extends RouteDefinition> = R['params'] extends z.ZodType ? z.input<R['params']> : Record<string, never>;
export type RouteRequest<R extends RouteDefinition> = R['request'] extends z.ZodType ? z.input<R['request']> : undefined;
export type RouteResponse<R extends RouteDefinition> = R['response'] extends z.ZodType ? z.output<R['response']> : undefined;

/** The route's path with each `:name` segment replaced by its URL-encoded value. */
export function routePath(route: Pick<RouteDefinition, 'path'>, params: Record<string, string> = {}): string {
  return route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${route.path} needs the path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** The OpenAPI form of an express path: `/v1/keys/:keyId` → `/v1/keys/{keyId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}
