import type { PlainMiddleware } from './plain-http.js';

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-User-ID, X-Stream-Format, Last-Event-ID';
const EXPOSED_HEADERS = 'X-Stream-ID, Retry-After, X-RateLimit-Limit-Requests, X-RateLimit-Remaining-Requests, X-RateLimit-Reset-Requests';

/** CORS for the web UI (another origin): `*` allows any origin, else only the listed ones. Answers preflights itself. */
export function corsMiddleware(origins: readonly string[]): PlainMiddleware {
  const any = origins.length === 0 || origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && (any || allowed.has(origin))) {
      res.setHeader('access-control-allow-origin', any ? '*' : origin);
      // The first header set on the response: no Vary is there yet.
      if (!any) res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (origin && (any || allowed.has(origin))) {
        res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
        res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
        res.setHeader('access-control-max-age', '600');
      }
      res.statusCode = 204;
      res.end();
      return;
    }
    next();
  };
}
