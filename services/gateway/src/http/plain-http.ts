import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request as node gives it, with its JSON body once read and the route that matched. The chat
 * fast path hands its handler these, without express's prototypes (swapping them in per request
 * cost 0.06–0.16 ms of gateway CPU per turn, measured); express's requests are these too.
 */
export type PlainRequest = IncomingMessage & { body?: unknown; route?: { path: string } };

/** A response as node gives it, with express's `locals` (where the principal goes). */
export type PlainResponse = ServerResponse & { locals: Record<string, unknown> };

/** Middleware that uses node's API only, so it runs in express's chain and on the chat fast path alike. */
export type PlainMiddleware = (req: PlainRequest, res: PlainResponse, next: (error?: unknown) => void) => void;

/** A request header's value as express's `req.header()` gives it (repeats joined). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
